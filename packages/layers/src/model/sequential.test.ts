import { initBackend } from '@convkit/tensor';
import { expectNoLeakedTensors } from '@convkit/tensor/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { resetLayerNames } from '../core/names';
import { setSeed } from '../core/seed';
import { activation } from '../layers/activation';
import { conv2d } from '../layers/conv2d';
import { dense } from '../layers/dense';
import { dropout } from '../layers/dropout';
import { flatten } from '../layers/flatten';
import { globalAveragePooling2d } from '../layers/global-pooling2d';
import { inputLayer } from '../layers/input-layer';
import { maxPooling2d } from '../layers/max-pooling2d';
import { maxAbsDiff } from '../test-utils';
import { deserializeLayer } from './registry';
import { Sequential, sequential } from './sequential';

function smallConvnet(): Sequential {
  return sequential([
    conv2d({ filters: 4, kernelSize: 3, activation: 'relu', inputShape: [10, 10, 1] }),
    maxPooling2d({ poolSize: 2 }),
    conv2d({ filters: 6, kernelSize: 3, activation: 'relu' }),
    flatten(),
    dropout({ rate: 0.5, seed: 1 }),
    dense({ units: 5, activation: 'relu' }),
    dense({ units: 3, activation: 'softmax' }),
  ]);
}

describe('Sequential', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });
  beforeEach(() => {
    resetLayerNames();
    setSeed(42);
  });

  it('gives layers Keras default names with per-class counters', () => {
    const model = smallConvnet();
    expect(model.name).toBe('sequential');
    expect(model.layers.map((l) => l.name)).toEqual([
      'conv2d',
      'max_pooling2d',
      'conv2d_1',
      'flatten',
      'dropout',
      'dense',
      'dense_1',
    ]);
    expect(
      sequential([globalAveragePooling2d(), activation({ activation: 'relu' })]).layers.map((l) => l.name),
    ).toEqual(['global_average_pooling2d', 'activation']);
    expect(model.getLayer('conv2d_1').weights.map((w) => w.name)).toEqual([
      'conv2d_1/kernel',
      'conv2d_1/bias',
    ]);
    model.dispose();
  });

  it('initialises kernels glorot-uniform and biases to zero, reproducibly from the seed', () => {
    const a = smallConvnet();
    // Same seed, same code: same weights, though this model's layers get other names (dense_2).
    setSeed(42);
    const b = smallConvnet();
    expect(b.layers[5].name).toBe('dense_2');
    const [ka, ba] = a.getLayer('dense').getWeights();
    const [kb] = b.getLayer('dense_2').getWeights();
    expect(Array.from(ka.dataSync())).toEqual(Array.from(kb.dataSync()));
    expect(Array.from(ba.dataSync()).every((v) => v === 0)).toBe(true);
    // dense: fan_in 24, fan_out 5 -> limit sqrt(6 / 29).
    const limit = Math.sqrt(6 / 29);
    const values = Array.from(ka.dataSync());
    expect(Math.max(...values.map(Math.abs))).toBeLessThanOrEqual(limit);
    expect(Math.max(...values.map(Math.abs))).toBeGreaterThan(limit * 0.8);
    tf.dispose([ka, ba, kb]);
    a.dispose();
    b.dispose();
  });

  it('reports an unknown layer name with the valid names', () => {
    const model = smallConvnet();
    expect(() => model.getLayer('conv3')).toThrow(/No layer named 'conv3'.*conv2d, max_pooling2d, conv2d_1/);
    model.dispose();
  });

  it('rejects an input of the wrong shape, saying expected and found', () => {
    const model = smallConvnet();
    const x = tf.zeros([2, 10, 10, 3]);
    expect(() => model.predict(x)).toThrow(/expects \(None, 10, 10, 1\), found \(2, 10, 10, 3\)/);
    x.dispose();
    model.dispose();
  });

  it('returns named layer outputs in one pass and splits at a layer', async () => {
    const model = smallConvnet();
    const x = tf.randomUniform([3, 10, 10, 1], 0, 1, 'float32', 7);
    await expectNoLeakedTensors(() => {
      const [c1, d] = model.layerOutputs(x, ['conv2d_1', 'dense']);
      expect(c1.shape).toEqual([3, 2, 2, 6]);
      expect(d.shape).toEqual([3, 5]);
      const { head, tail } = model.splitAt('conv2d_1');
      const full = model.predict(x);
      const h = head(x);
      const y = tail(h);
      expect(maxAbsDiff(h, c1)).toBe(0);
      expect(maxAbsDiff(y, full)).toBeLessThan(1e-6);
      tf.dispose([c1, d, full, h, y]);
    });
    x.dispose();
    model.dispose();
  });

  it('runs a model nested inside another as one layer, with trainable propagation', () => {
    const base = sequential(
      [
        conv2d({
          filters: 4,
          kernelSize: 3,
          activation: 'relu',
          inputShape: [8, 8, 2],
          name: 'block1_conv1',
        }),
        maxPooling2d({ poolSize: 2, name: 'block1_pool' }),
      ],
      { name: 'base' },
    );
    const model = sequential([base, flatten(), dense({ units: 1, activation: 'sigmoid' })]);
    expect(model.layers[0].outputShape).toEqual([null, 3, 3, 4]);
    expect(model.countParams()).toBe(4 * 3 * 3 * 2 + 4 + 36 + 1);
    base.trainable = false;
    expect(model.trainableWeights.map((w) => w.name)).toEqual(['dense/kernel', 'dense/bias']);
    base.trainable = true;
    base.getLayer('block1_conv1').trainable = false;
    expect(model.trainableWeights.length).toBe(2);
    base.getLayer('block1_conv1').trainable = true;
    expect(model.trainableWeights.length).toBe(4);
    // A nested layer can be reached by name, and its output recorded in one pass.
    const x = tf.ones([2, 8, 8, 2]);
    const [inner, out] = model.layerOutputs(x, ['block1_conv1', 'dense']);
    expect(inner.shape).toEqual([2, 6, 6, 4]);
    expect(out.shape).toEqual([2, 1]);
    const { head, tail } = model.splitAt('block1_conv1');
    const y = tail(head(x));
    const full = model.predict(x);
    expect(Array.from(y.dataSync())).toEqual(Array.from(full.dataSync()));
    tf.dispose([x, inner, out, y, full]);
    model.dispose();
  });

  it('round-trips through Keras JSON config and keeps getWeights/setWeights in Keras order', () => {
    const model = smallConvnet();
    const json = JSON.parse(JSON.stringify(model.toJSON()));
    expect(json.class_name).toBe('Sequential');
    const first = json.config.layers[0];
    expect(first.class_name).toBe('Conv2D');
    expect(first.config).toMatchObject({
      name: 'conv2d',
      filters: 4,
      kernel_size: [3, 3],
      strides: [1, 1],
      padding: 'valid',
      activation: 'relu',
      use_bias: true,
      batch_input_shape: [null, 10, 10, 1],
      kernel_initializer: { class_name: 'GlorotUniform', config: { seed: null } },
      bias_initializer: { class_name: 'Zeros', config: {} },
    });
    const copy = deserializeLayer(json) as Sequential;
    expect(copy).toBeInstanceOf(Sequential);
    expect(copy.layers.map((l) => l.name)).toEqual(model.layers.map((l) => l.name));
    const weights = model.getWeights();
    expect(weights.map((w) => w.shape)).toEqual([
      [3, 3, 1, 4],
      [4],
      [3, 3, 4, 6],
      [6],
      [24, 5],
      [5],
      [5, 3],
      [3],
    ]);
    copy.setWeights(weights);
    const x = tf.randomUniform([2, 10, 10, 1], 0, 1, 'float32', 3);
    const a = model.predict(x);
    const b = copy.predict(x);
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    expect(() => copy.setWeights(weights.slice(1))).toThrow(/expected 8 array\(s\).*found 7/);
    expect(() => copy.setWeights([weights[1], ...weights.slice(1)])).toThrow(
      /conv2d\/kernel\) expected shape \(3, 3, 1, 4\), found \(4,\)/,
    );
    tf.dispose([...weights, x, a, b]);
    model.dispose();
    copy.dispose();
  });

  it('writes and reads a linear functional (Model) config with inbound nodes, like Keras VGG16', () => {
    const base = sequential(
      [
        inputLayer({ inputShape: [8, 8, 3] }),
        conv2d({ filters: 2, kernelSize: 3, padding: 'same', name: 'block1_conv1' }),
        maxPooling2d({ poolSize: 2, name: 'block1_pool' }),
      ],
      { name: 'vgg16', className: 'Model' },
    );
    expect(base.layers.map((l) => l.name)).toEqual(['input_1', 'block1_conv1', 'block1_pool']);
    const json = JSON.parse(JSON.stringify(base.toJSON()));
    expect(json.class_name).toBe('Model');
    expect(json.config.input_layers).toEqual([['input_1', 0, 0]]);
    expect(json.config.output_layers).toEqual([['block1_pool', 0, 0]]);
    expect(json.config.layers[2].inbound_nodes).toEqual([[['block1_conv1', 0, 0, {}]]]);
    const copy = deserializeLayer(json) as Sequential;
    expect(copy.className).toBe('Model');
    expect(copy.outputShape).toEqual([null, 4, 4, 2]);
    const branched = structuredClone(json);
    branched.config.layers[2].inbound_nodes = [[['input_1', 0, 0, {}]]];
    expect(() => deserializeLayer(branched)).toThrow(
      /single chain of layers; layer 'block1_pool' is not fed by 'block1_conv1'/,
    );
    base.dispose();
    copy.dispose();
  });

  it('applies dropout only in training, with seeded masks', () => {
    const layer = dropout({ rate: 0.5, seed: 5 });
    const x = tf.ones([4, 100]);
    const inference = layer.apply(x);
    expect(inference).toBe(x);
    const m1 = layer.apply(x, { training: true });
    const values = Array.from(m1.dataSync());
    expect(values.every((v) => v === 0 || v === 2)).toBe(true);
    const zeros = values.filter((v) => v === 0).length;
    expect(zeros).toBeGreaterThan(120);
    expect(zeros).toBeLessThan(280);
    const again = dropout({ rate: 0.5, seed: 5 }).apply(x, { training: true });
    expect(Array.from(again.dataSync())).toEqual(values);
    tf.dispose([x, m1, again]);
  });

  it('predicts in batches without leaking tensors', async () => {
    const model = smallConvnet();
    const x = tf.randomUniform([70, 10, 10, 1], 0, 1, 'float32', 3);
    const whole = model.predict(x, { batchSize: 100 });
    await expectNoLeakedTensors(() => {
      const batched = model.predict(x, { batchSize: 32 });
      expect(batched.shape).toEqual([70, 3]);
      expect(maxAbsDiff(batched, whole)).toBeLessThan(1e-6);
      batched.dispose();
    });
    async function* source() {
      for (let i = 0; i < 70; i += 32) yield [tf.slice(x, i, Math.min(32, 70 - i))] as [tf.Tensor];
    }
    await expectNoLeakedTensors(async () => {
      const fromSource = await model.predict(source());
      expect(fromSource.shape).toEqual([70, 3]);
      fromSource.dispose();
    });
    tf.dispose([x, whole]);
    model.dispose();
  });
});
