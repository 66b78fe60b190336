import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { initBackend } from '@convkit/tensor';
import { expectNoLeakedTensors } from '@convkit/tensor/testing';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { Sequential } from '../model/sequential';
import { modelToArtifacts } from './artifacts';
import { openH5File } from './h5-node';
import { kerasModelFromH5, loadKerasModel as loadFromBytes } from './keras-model';
import { loadKerasModel } from './keras-model-node';
import { canWriteFixtures, kerasFixtures } from './testdata/fixtures';

async function floats(path: string): Promise<Float32Array> {
  const b = await readFile(path);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

/** The fixture's input and PyTorch's output for it. */
async function reference(dir: string, name: string) {
  const shapes = JSON.parse(await readFile(join(dir, `${name}.reference.json`), 'utf8'));
  const x = tf.tensor(await floats(join(dir, `${name}.input.bin`)), shapes.input);
  const y = await floats(join(dir, `${name}.output.bin`));
  return { x, y, outputShape: shapes.output as number[] };
}

/** max |a-b| / max(1e-3, |b|) over all elements. */
function maxRelErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < b.length; i++)
    worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(1e-3, Math.abs(b[i])));
  return worst;
}

describe.skipIf(!canWriteFixtures)('loadKerasModel (Keras HDF5 model files)', () => {
  let dir: string;
  beforeAll(async () => {
    await initBackend('cpu');
    dir = await kerasFixtures();
  });

  it('loads cats_and_dogs_small_2.h5 (the chapter’s layout) and predicts what PyTorch computes', async () => {
    const model = await loadKerasModel(join(dir, 'cats_and_dogs_small_2.h5'));
    expect(model.name).toBe('sequential_5');
    expect(model.countParams()).toBe(3_453_121);
    expect(model.layers.map((l) => l.name)).toEqual([
      'conv2d_20',
      'max_pooling2d_20',
      'conv2d_21',
      'max_pooling2d_21',
      'conv2d_22',
      'max_pooling2d_22',
      'conv2d_23',
      'max_pooling2d_23',
      'flatten_5',
      'dropout',
      'dense_10',
      'dense_11',
    ]);
    const { x, y, outputShape } = await reference(dir, 'cats_and_dogs_small_2');
    const out = model.predict(x);
    expect(out.shape).toEqual(outputShape);
    expect(maxRelErr(await out.data(), y)).toBeLessThan(1e-4);
    tf.dispose([x, out]);
    model.dispose();
  });

  it('loads a fine-tuned model with a nested functional VGG16-style base (frozen layers, reordered weights)', async () => {
    const bytes = await readFile(join(dir, 'nested_vgg16.h5'));
    const model = await loadFromBytes(bytes, 'nested_vgg16.h5');
    const base = model.getLayer('vgg16');
    expect(base).toBeInstanceOf(Sequential);
    expect(base.className).toBe('Functional');
    expect(model.getLayer('block4_conv3').trainable).toBe(false);
    expect(model.getLayer('block5_conv1').trainable).toBe(true);
    const { x, y } = await reference(dir, 'nested_vgg16');
    const out = model.predict(x);
    expect(maxRelErr(await out.data(), y)).toBeLessThan(1e-4);
    tf.dispose([x, out]);
    model.dispose();
  });

  it('loads a Keras 2.0 file (Sequential config as a bare list) and reports its version', async () => {
    const file = await openH5File(join(dir, 'keras20_model.h5'));
    const { model, info } = kerasModelFromH5(file);
    file.close();
    expect(info.kerasVersion).toBe('2.0.8');
    expect(info.backend).toBe('tensorflow');
    expect(info.trainingConfig).toEqual({ loss: 'binary_crossentropy', metrics: ['acc'] });
    const { x, y } = await reference(dir, 'keras20_model');
    const out = model.predict(x);
    expect(maxRelErr(await out.data(), y)).toBeLessThan(1e-4);
    tf.dispose([x, out]);
    model.dispose();
  });

  it('loads a functional model saved at the top level (layer_names include the InputLayer)', async () => {
    const model = await loadKerasModel(join(dir, 'functional_vgg16.h5'));
    expect(model.className).toBe('Functional');
    expect(model.name).toBe('vgg16');
    expect(model.layers[0].name).toBe('input_1');
    const { x, y, outputShape } = await reference(dir, 'functional_vgg16');
    const out = model.predict(x);
    expect(out.shape).toEqual(outputShape);
    expect(maxRelErr(await out.data(), y)).toBeLessThan(1e-4);
    tf.dispose([x, out]);
    model.dispose();
  });

  it('a loaded Keras model saves as a tfjs LayersModel that tfjs-layers runs identically', async () => {
    const model = await loadKerasModel(join(dir, 'nested_vgg16.h5'));
    const artifacts = await modelToArtifacts(model);
    const theirs = await tfl.loadLayersModel(tf.io.fromMemory(artifacts));
    const { x } = await reference(dir, 'nested_vgg16');
    const a = model.predict(x);
    const b = theirs.predict(x) as tf.Tensor;
    const [av, bv] = [await a.data(), await b.data()];
    expect(maxRelErr(av, bv)).toBeLessThan(1e-5);
    tf.dispose([x, a, b]);
    theirs.dispose();
    model.dispose();
  });

  it('says what was expected and found for files that are not Keras models', async () => {
    await expect(loadKerasModel(join(dir, 'not_keras.h5'))).rejects.toThrow(
      /not_keras\.h5 is not a Keras model file: expected root attributes model_config and keras_version and a group model_weights; found attributes \[title\] and children \[images\]/,
    );
    await expect(loadKerasModel(join(dir, 'mnist_weights.h5'))).rejects.toThrow(
      /mnist_weights\.h5 is a Keras weights file \(from save_weights\): it has layer_names but no model_config/,
    );
    await expect(loadKerasModel(join(dir, 'missing_dense.h5'))).rejects.toThrow(
      /missing_dense\.h5 has no weights for layer 'dense' \(Dense, 2 weight\(s\)\) of model sequential; the file's layers with weights are: conv2d/,
    );
    await expect(loadKerasModel(join(dir, 'wrong_shape.h5'))).rejects.toThrow(
      /weight conv2d\/kernel:0 of layer 'conv2d' has shape \[3, 3, 3, 4\] in the file, but the model's conv2d\/kernel \(Conv2D 'conv2d'\) expects \[3, 3, 3, 5\]/,
    );
    await expect(loadFromBytes(new TextEncoder().encode('hello'), 'hello.txt')).rejects.toThrow(
      /hello\.txt is not an HDF5 file/,
    );
  });

  it('frees everything it made, also when a file is rejected', async () => {
    const bad = await readFile(join(dir, 'wrong_shape.h5'));
    await expectNoLeakedTensors(() => expect(loadFromBytes(bad, 'wrong_shape.h5')).rejects.toThrow(/shape/));
    const good = await readFile(join(dir, 'keras20_model.h5'));
    await expectNoLeakedTensors(async () => (await loadFromBytes(good)).dispose());
  });
});
