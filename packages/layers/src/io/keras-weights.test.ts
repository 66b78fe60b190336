import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelFormatError } from './errors';
import { H5File, openH5 } from './h5';
import { openH5File, readKerasWeightsFile } from './h5-node';
import { type KerasLayerWeights, readKerasWeights } from './keras-weights';
import { canWriteFixtures, kerasFixtures } from './testdata/fixtures';

/** Compares what the reader returned with the fixture's expected layout and every value. */
async function expectMatchesFixture(dir: string, name: string, layers: KerasLayerWeights[]) {
  const expected = JSON.parse(await readFile(join(dir, `${name}.expected.json`), 'utf8')) as {
    layerName: string;
    weights: { name: string; shape: number[] }[];
  }[];
  const bin = await readFile(join(dir, `${name}.expected.bin`));
  const values = new Float32Array(bin.buffer, bin.byteOffset, bin.byteLength / 4);
  expect(layers.map((l) => l.layerName)).toEqual(expected.map((l) => l.layerName));
  let offset = 0;
  layers.forEach((layer, i) => {
    expect(layer.weights.map((w) => [w.name, w.shape])).toEqual(
      expected[i].weights.map((w) => [w.name, w.shape]),
    );
    for (const w of layer.weights) {
      const n = w.shape.reduce((a, b) => a * b, 1);
      expect(w.values.length).toBe(n);
      const want = values.subarray(offset, offset + n);
      // Bitwise equality of every value (Buffer.equals is fast for millions of floats).
      const same = Buffer.from(w.values.buffer, w.values.byteOffset, w.values.byteLength).equals(
        Buffer.from(want.buffer, want.byteOffset, want.byteLength),
      );
      if (!same) {
        const bad = w.values.findIndex(
          (v, k) => v !== want[k] && !(Number.isNaN(v) && Number.isNaN(want[k])),
        );
        expect({ weight: w.name, index: bad, got: w.values[bad] }).toEqual({
          weight: w.name,
          index: bad,
          got: want[bad],
        });
      }
      offset += n;
    }
  });
  expect(offset).toBe(values.length);
}

describe.skipIf(!canWriteFixtures)('readKerasWeights on files written by h5py in Keras layouts', () => {
  let dir: string;
  let scratch: string;
  beforeAll(async () => {
    dir = await kerasFixtures();
    scratch = await mkdtemp(join(tmpdir(), 'convkit-h5-'));
  });
  afterAll(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  it('reads a full-size vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5 layout from disk (14.7M values)', async () => {
    const layers = await readKerasWeightsFile(join(dir, 'vgg16_notop.h5'));
    expect(layers[0]).toEqual({ layerName: 'input_1', weights: [] });
    expect(layers[1].weights.map((w) => w.name)).toEqual(['block1_conv1_W_1:0', 'block1_conv1_b_1:0']);
    expect(layers.filter((l) => l.weights.length).length).toBe(13);
    const total = layers.reduce((s, l) => s + l.weights.reduce((t, w) => t + w.values.length, 0), 0);
    expect(total).toBe(14_714_688); // VGG16 conv base parameter count from the chapter
    await expectMatchesFixture(dir, 'vgg16_notop', layers);
  });

  it('reads tf.keras save_weights (layer_names order, not the groups’ sorted order) from bytes', async () => {
    const file = await openH5(await readFile(join(dir, 'mnist_weights.h5')), 'mnist_weights.h5');
    try {
      expect(file.root.stringAttribute('keras_version')).toBe('2.4.0');
      expect(file.root.stringAttribute('backend')).toBe('tensorflow');
      expect(file.root.keys()).toEqual([...file.root.keys()].sort());
      const layers = readKerasWeights(file);
      expect(layers.map((l) => l.layerName)).toEqual([
        'conv2d',
        'max_pooling2d',
        'conv2d_1',
        'max_pooling2d_1',
        'conv2d_2',
        'flatten',
        'dense',
        'dense_1',
      ]);
      expect(layers[0].weights[0]).toMatchObject({ name: 'conv2d/kernel:0', shape: [3, 3, 1, 32] });
      await expectMatchesFixture(dir, 'mnist_weights', layers);
    } finally {
      file.close();
    }
  });

  it('reads the model_weights of a model.save file (cats_and_dogs_small_2.h5) and its attributes', async () => {
    const file = await openH5File(join(dir, 'cats_and_dogs_small_2.h5'));
    try {
      const config = file.root.jsonAttribute('model_config') as any;
      expect(config.class_name).toBe('Sequential');
      expect(config.config.layers.map((l: any) => l.config.name)).toContain('dense_11');
      expect(file.root.jsonAttribute('training_config')).toEqual({
        loss: 'binary_crossentropy',
        metrics: ['acc'],
      });
      expect(file.root.group('model_weights').stringListAttribute('layer_names')).toHaveLength(12);
      const layers = readKerasWeights(file);
      const params = layers.reduce((s, l) => s + l.weights.reduce((t, w) => t + w.values.length, 0), 0);
      expect(params).toBe(3_453_121); // the chapter's summary total
      await expectMatchesFixture(dir, 'cats_and_dogs_small_2', layers);
      // The root also reads as a weights group when handed model_weights directly.
      expect(readKerasWeights(file.root.group('model_weights')).length).toBe(12);
    } finally {
      file.close();
    }
  });

  it('reads a nested conv base as one entry listing all its layers’ weights', async () => {
    const layers = await readKerasWeightsFile(join(dir, 'nested_vgg16.h5'));
    expect(layers[0].layerName).toBe('vgg16');
    expect(layers[0].weights).toHaveLength(26);
    // Fine-tuned: Keras stores the trainable block5 weights first, then the frozen ones.
    expect(layers[0].weights[0].name).toBe('block5_conv1/kernel:0');
    expect(layers[0].weights[6].name).toBe('block1_conv1/kernel:0');
    expect(layers[0].weights[25].name).toBe('block4_conv3/bias:0');
    await expectMatchesFixture(dir, 'nested_vgg16', layers);
  });

  it('joins chunked layer_names0, layer_names1, ... attributes', async () => {
    const file = await openH5File(join(dir, 'chunked.h5'));
    try {
      expect(file.root.hasAttribute('layer_names')).toBe(false);
      expect(file.root.hasAttribute('layer_names1')).toBe(true);
      const layers = readKerasWeights(file);
      expect(layers).toHaveLength(400);
      await expectMatchesFixture(dir, 'chunked', layers);
    } finally {
      file.close();
    }
  });

  it('converts float64, float16, big-endian and scalar datasets; reads variable-length strings', async () => {
    const file = await openH5File(join(dir, 'dtypes.h5'));
    try {
      expect(file.root.jsonAttribute('model_config')).toEqual({ class_name: 'Sequential' });
      const layers = readKerasWeights(file);
      expect(file.root.group('d16').dataset('d16/w:0').dtype).toBe('float16');
      expect(file.root.group('d64').dataset('d64/w:0').dtype).toBe('float64');
      expect(layers.find((l) => l.layerName === 'scalar')!.weights[0].shape).toEqual([]);
      await expectMatchesFixture(dir, 'dtypes', layers);
    } finally {
      file.close();
    }
  });

  it('says what is wrong with files that are not Keras weights', async () => {
    await expect(readKerasWeightsFile(join(dir, 'not_keras.h5'))).rejects.toThrow(
      /not_keras\.h5 is not a Keras weights file: expected a 'layer_names' attribute at \/ or a 'model_weights' group.*found attributes \[title\] and children \[images\]/,
    );
    await expect(readKerasWeightsFile(join(dir, 'missing_layer.h5'))).rejects.toThrow(
      /layer_names lists 'dense' but \/ has no group of that name; it holds: conv2d/,
    );
    await expect(readKerasWeightsFile(join(dir, 'missing_weight.h5'))).rejects.toThrow(
      /expected a dataset 'dense\/bias:0' in \/dense, found nothing; \/dense holds: dense/,
    );
    await expect(readKerasWeightsFile(join(dir, 'mnist_weights.expected.json'))).rejects.toThrow(
      /mnist_weights\.expected\.json is not an HDF5 file/,
    );
    await expect(readKerasWeightsFile(join(dir, 'nope.h5'))).rejects.toThrow(
      /HDF5 file not found: .*nope\.h5/,
    );
    await expect(openH5(new TextEncoder().encode('{"format":"layers-model"}'), 'model.json')).rejects.toThrow(
      ModelFormatError,
    );
    const file = await openH5File(join(dir, 'not_keras.h5'));
    expect(() => file.root.attribute('layer_names')).toThrow(
      /has no attribute 'layer_names'; its attributes are: title/,
    );
    expect(() => file.root.group('images')).toThrow(/expected a group 'images' in \/, found a Dataset/);
    file.close();
    expect(() => file.root).toThrow(/closed/);
  });

  it('rejects truncated HDF5 bytes with an error naming the source', async () => {
    const bytes = await readFile(join(dir, 'mnist_weights.h5'));
    const cut = bytes.subarray(0, 4096);
    await writeFile(join(scratch, 'cut.h5'), cut);
    await expect(openH5(cut, 'cut.h5').then((f) => readKerasWeights(f))).rejects.toThrow(/cut\.h5/);
    await expect(readKerasWeightsFile(join(scratch, 'cut.h5'))).rejects.toThrow(/cut\.h5/);
  });

  it('frees the in-memory copy on close (many opens do not grow memory without bound)', async () => {
    const bytes = await readFile(join(dir, 'cats_and_dogs_small_2.h5'));
    for (let i = 0; i < 8; i++) {
      const f = await openH5(bytes, 'cats.h5');
      expect(f).toBeInstanceOf(H5File);
      f.close();
    }
    const after = process.memoryUsage().rss;
    for (let i = 0; i < 8; i++) (await openH5(bytes, 'cats.h5')).close();
    // 8 more leaked copies would add ~110 MB.
    expect(process.memoryUsage().rss - after).toBeLessThan(60e6);
  });
});
