import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '@convkit/tensor';
import { expectNoLeakedTensors } from '@convkit/tensor/testing';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { resetLayerNames } from '../core/names';
import { setSeed } from '../core/seed';
import { conv2d } from '../layers/conv2d';
import { dense } from '../layers/dense';
import { dropout } from '../layers/dropout';
import { flatten } from '../layers/flatten';
import { maxPooling2d } from '../layers/max-pooling2d';
import { type Sequential, sequential } from '../model/sequential';
import { maxAbsDiff } from '../test-utils';
import { modelFromArtifacts, modelToArtifacts } from './artifacts';
import { folderHandler } from './folder-handler';
import { saveModel as saveWithHandler } from './save-load';
import { checkpointSaver, loadModel, saveModel } from './save-load-node';

function smallConvnet(): Sequential {
  return sequential([
    conv2d({ filters: 4, kernelSize: 3, activation: 'relu', inputShape: [12, 12, 3] }),
    maxPooling2d({ poolSize: 2 }),
    conv2d({ filters: 6, kernelSize: 3, padding: 'same', activation: 'relu' }),
    flatten(),
    dropout({ rate: 0.5 }),
    dense({ units: 8, activation: 'relu' }),
    dense({ units: 3, activation: 'softmax' }),
  ]);
}

/** Random non-trivial weights, so a mix-up of any two weights would show in predictions. */
function randomizeWeights(model: Sequential, seed: number): void {
  model.weights.forEach((w, i) => {
    w.variable.assign(tf.tidy(() => tf.randomNormal(w.shape, 0, 0.5, 'float32', seed + i)));
  });
}

function batch(seed = 7): tf.Tensor {
  return tf.randomUniform([5, 12, 12, 3], 0, 1, 'float32', seed);
}

async function values(t: tf.Tensor): Promise<Float32Array> {
  const v = (await t.data()) as Float32Array;
  t.dispose();
  return v;
}

describe('saveModel / loadModel (TensorFlow.js LayersModel format)', () => {
  let dir: string;
  beforeAll(async () => {
    await initBackend('cpu');
    dir = await mkdtemp(join(tmpdir(), 'convkit-save-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    resetLayerNames();
    setSeed(3);
  });

  it('round-trips a convnet through a folder: same topology, same weights, same predictions', async () => {
    const model = smallConvnet();
    randomizeWeights(model, 1);
    const target = join(dir, 'roundtrip');
    const result = await saveModel(model, target);
    expect(result.modelArtifactsInfo.weightDataBytes).toBe(model.countParams() * 4);
    expect((await readdir(target)).sort()).toEqual(['group1-shard1of1.bin', 'model.json']);
    const json = JSON.parse(await readFile(join(target, 'model.json'), 'utf8'));
    expect(json.format).toBe('layers-model');
    expect(json.convertedBy).toBeNull();
    expect(json.modelTopology.class_name).toBe('Sequential');
    expect(json.modelTopology.backend).toBe('TensorFlow.js');
    expect(json.modelTopology.keras_version).toMatch(/^convkit-layers \d/);
    expect(json.modelTopology.config.layers.map((l: any) => l.class_name)).toEqual([
      'Conv2D',
      'MaxPooling2D',
      'Conv2D',
      'Flatten',
      'Dropout',
      'Dense',
      'Dense',
    ]);
    expect(json.weightsManifest[0].paths).toEqual(['group1-shard1of1.bin']);
    expect(json.weightsManifest[0].weights[0]).toEqual({
      name: 'conv2d/kernel',
      shape: [3, 3, 3, 4],
      dtype: 'float32',
    });

    const loaded = await loadModel(target);
    expect(loaded.layers.map((l) => l.name)).toEqual(model.layers.map((l) => l.name));
    expect(loaded.countParams()).toBe(model.countParams());
    const x = batch();
    expect(await values(loaded.predict(x))).toEqual(await values(model.predict(x)));
    // model.json path and file:// URL load too.
    const again = await loadModel(`file://${join(target, 'model.json')}`);
    expect(await values(again.predict(x))).toEqual(await values(model.predict(x)));
    x.dispose();
    for (const m of [model, loaded, again]) m.dispose();
  });

  it('splits weights into 4 MiB shards as tfjs-converter does (a weight may span two shards)', async () => {
    const model = sequential([dense({ units: 1000, inputShape: [1100] }), dense({ units: 7 })]);
    randomizeWeights(model, 5);
    const target = join(dir, 'sharded');
    await saveModel(model, target);
    const bytes = model.countParams() * 4;
    const files = (await readdir(target)).filter((f) => f.endsWith('.bin')).sort();
    expect(files).toEqual(['group1-shard1of2.bin', 'group1-shard2of2.bin']);
    expect((await stat(join(target, files[0]))).size).toBe(4 * 1024 * 1024);
    expect((await stat(join(target, files[1]))).size).toBe(bytes - 4 * 1024 * 1024);
    const loaded = await loadModel(target);
    const x = tf.randomNormal([3, 1100], 0, 1, 'float32', 2);
    expect(await values(loaded.predict(x))).toEqual(await values(model.predict(x)));
    // Small shards: every weight crosses a boundary somewhere.
    await saveModel(model, join(dir, 'tiny-shards'), { shardSizeBytes: 999_999 });
    expect((await readdir(join(dir, 'tiny-shards'))).length).toBe(Math.ceil(bytes / 999_999) + 1);
    const tiny = await loadModel(join(dir, 'tiny-shards'));
    expect(await values(tiny.predict(x))).toEqual(await values(model.predict(x)));
    x.dispose();
    for (const m of [model, loaded, tiny]) m.dispose();
  });

  it('never clobbers: an existing folder needs { overwrite: true }, and no temp folders are left', async () => {
    const model = smallConvnet();
    const target = join(dir, 'keep');
    await mkdir(target);
    await writeFile(join(target, 'precious.txt'), 'do not lose me');
    await expect(saveModel(model, target)).rejects.toThrow(
      /keep: the folder already exists. Pass \{ overwrite: true \}/,
    );
    expect(await readFile(join(target, 'precious.txt'), 'utf8')).toBe('do not lose me');
    await writeFile(join(dir, 'a-file'), 'x');
    await expect(saveModel(model, join(dir, 'a-file'), { overwrite: true })).rejects.toThrow(
      /is a file, not a folder/,
    );

    randomizeWeights(model, 9);
    await saveModel(model, target, { overwrite: true });
    expect((await readdir(target)).sort()).toEqual(['group1-shard1of1.bin', 'model.json']);
    const loaded = await loadModel(target);
    const x = batch();
    expect(await values(loaded.predict(x))).toEqual(await values(model.predict(x)));
    x.dispose();
    expect((await readdir(dir)).filter((f) => f.includes('.tmp-'))).toEqual([]);
    model.dispose();
    loaded.dispose();
  });

  it('a failed save leaves nothing behind', async () => {
    const unbuilt = sequential([dense({ units: 2 })]);
    await expect(saveModel(unbuilt, join(dir, 'never'))).rejects.toThrow(/has not been built/);
    expect(existsSync(join(dir, 'never'))).toBe(false);
    const failing: tf.io.IOHandler = {
      save: async () => {
        throw new Error('disk full');
      },
    };
    const model = smallConvnet();
    await expect(saveWithHandler(model, failing)).rejects.toThrow('disk full');
    expect((await readdir(dir)).filter((f) => f.includes('.tmp-'))).toEqual([]);
    model.dispose();
  });

  it('quantises to float16 like tfjs-converter (half the bytes) and dequantises on load', async () => {
    const model = smallConvnet();
    randomizeWeights(model, 11);
    const target = join(dir, 'f16');
    const result = await saveModel(model, target, { quantize: 'float16' });
    expect(result.modelArtifactsInfo.weightDataBytes).toBe(model.countParams() * 2);
    const json = JSON.parse(await readFile(join(target, 'model.json'), 'utf8'));
    expect(json.weightsManifest[0].weights[0].quantization).toEqual({
      dtype: 'float16',
      original_dtype: 'float32',
    });
    const loaded = await loadModel(target);
    for (let i = 0; i < model.weights.length; i++) {
      const a = await model.weights[i].variable.data();
      const b = await loaded.weights[i].variable.data();
      for (let k = 0; k < a.length; k++) {
        // float16 keeps 11 significant bits: relative error <= 2^-11.
        expect(Math.abs(b[k] - a[k])).toBeLessThanOrEqual(Math.abs(a[k]) * 2 ** -11 + 2 ** -24);
      }
    }
    const x = batch();
    const diff = maxAbsDiff(model.predict(x), loaded.predict(x));
    expect(diff).toBeLessThan(5e-3);
    // tfjs-layers reads the same quantised files.
    const theirs = await tfl.loadLayersModel(folderHandler(target));
    const ours = loaded.predict(x);
    const viaTfjs = theirs.predict(x) as tf.Tensor;
    expect(maxAbsDiff(ours, viaTfjs)).toBeLessThan(1e-6);
    tf.dispose([x, ours, viaTfjs]);
    theirs.dispose();
    model.dispose();
    loaded.dispose();
  });

  it('tfjs-layers loads what convkit saves and predicts the same', async () => {
    const model = smallConvnet();
    randomizeWeights(model, 21);
    const target = join(dir, 'for-tfjs');
    await saveModel(model, target);
    const theirs = await tfl.loadLayersModel(folderHandler(target));
    expect(theirs.layers.map((l) => l.name)).toEqual(model.layers.map((l) => l.name));
    expect(theirs.countParams()).toBe(model.countParams());
    const x = batch(3);
    const a = model.predict(x);
    const b = theirs.predict(x) as tf.Tensor;
    expect(maxAbsDiff(a, b)).toBeLessThan(1e-6);
    tf.dispose([x, a, b]);
    theirs.dispose();
    model.dispose();
  });

  it('convkit loads what tfjs-layers saves and predicts the same', async () => {
    const theirs = tfl.sequential({
      layers: [
        tfl.layers.conv2d({
          filters: 5,
          kernelSize: 3,
          activation: 'relu',
          inputShape: [12, 12, 3],
          name: 'c1',
        }),
        tfl.layers.maxPooling2d({ poolSize: 2, name: 'p1' }),
        tfl.layers.conv2d({ filters: 4, kernelSize: 2, strides: 2, padding: 'same', name: 'c2' }),
        tfl.layers.flatten({ name: 'f' }),
        tfl.layers.dropout({ rate: 0.25, name: 'drop' }),
        tfl.layers.dense({ units: 6, activation: 'relu', name: 'd1' }),
        tfl.layers.dense({ units: 2, activation: 'sigmoid', name: 'out' }),
      ],
    });
    const target = join(dir, 'from-tfjs');
    await theirs.save(folderHandler(target));
    const ours = await loadModel(target);
    expect(ours.layers.map((l) => `${l.className}:${l.name}`)).toEqual([
      'Conv2D:c1',
      'MaxPooling2D:p1',
      'Conv2D:c2',
      'Flatten:f',
      'Dropout:drop',
      'Dense:d1',
      'Dense:out',
    ]);
    expect(ours.countParams()).toBe(theirs.countParams());
    const x = batch(4);
    const a = ours.predict(x);
    const b = theirs.predict(x) as tf.Tensor;
    expect(maxAbsDiff(a, b)).toBeLessThan(1e-6);
    tf.dispose([x, a, b]);
    theirs.dispose();
    ours.dispose();
  });

  it('loads over http(s) from a server on 127.0.0.1', async () => {
    const model = smallConvnet();
    randomizeWeights(model, 31);
    const target = join(dir, 'served');
    await saveModel(model, target, { shardSizeBytes: 1000 });
    const server: Server = createServer(async (req, res) => {
      try {
        res.end(await readFile(join(target, (req.url ?? '/').slice(1))));
      } catch {
        res.statusCode = 404;
        res.end();
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const { port } = server.address() as AddressInfo;
      const loaded = await loadModel(`http://127.0.0.1:${port}/model.json`);
      const x = batch();
      expect(await values(loaded.predict(x))).toEqual(await values(model.predict(x)));
      x.dispose();
      loaded.dispose();
    } finally {
      server.close();
    }
    model.dispose();
  });

  it('saves and loads through any tfjs IOHandler (what indexeddb:// and localstorage:// are in a browser)', async () => {
    const model = smallConvnet();
    randomizeWeights(model, 41);
    let stored: tf.io.ModelArtifacts | undefined;
    await saveWithHandler(
      model,
      tf.io.withSaveHandler(async (artifacts) => {
        stored = artifacts;
        return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
      }),
    );
    const loaded = await loadModel(tf.io.fromMemory(stored!));
    const x = batch();
    expect(await values(loaded.predict(x))).toEqual(await values(model.predict(x)));
    x.dispose();
    // In node, browser-only schemes have no handler: the error lists what works.
    await expect(saveModel(model, 'indexeddb://my-model')).rejects.toThrow(
      /Cannot save to 'indexeddb:\/\/my-model': no TensorFlow.js IO handler takes it here. Use indexeddb:\/\/NAME/,
    );
    model.dispose();
    loaded.dispose();
  });

  it('saves to and loads from localstorage:// through tfjs-core’s own browser handler', async () => {
    // Emulate the browser pieces tfjs's localstorage handler checks for: the IS_BROWSER flag and
    // window.localStorage (an in-memory Storage).
    const items = new Map<string, string>();
    const storage = {
      getItem: (k: string) => items.get(k) ?? null,
      setItem: (k: string, v: string) => void items.set(k, String(v)),
      removeItem: (k: string) => void items.delete(k),
      key: (i: number) => [...items.keys()][i] ?? null,
      get length() {
        return items.size;
      },
    };
    const g = globalThis as { window?: unknown };
    const hadWindow = 'window' in g;
    const wasBrowser = tf.env().getBool('IS_BROWSER');
    g.window = { localStorage: storage };
    tf.env().set('IS_BROWSER', true);
    const model = smallConvnet();
    randomizeWeights(model, 61);
    try {
      await saveModel(model, 'localstorage://chapter5-model');
      expect([...items.keys()].some((k) => k.includes('chapter5-model'))).toBe(true);
      const loaded = await loadModel('localstorage://chapter5-model');
      const x = batch();
      expect(await values(loaded.predict(x))).toEqual(await values(model.predict(x)));
      x.dispose();
      loaded.dispose();
    } finally {
      tf.env().set('IS_BROWSER', wasBrowser);
      if (!hadWindow) delete g.window;
      model.dispose();
    }
  });

  it('names what is wrong with a damaged or foreign model folder', async () => {
    const model = smallConvnet();
    const target = join(dir, 'damaged');
    await saveModel(model, target, { shardSizeBytes: 1000 });
    const jsonPath = join(target, 'model.json');
    const json = JSON.parse(await readFile(jsonPath, 'utf8'));

    const shards = json.weightsManifest[0].paths as string[];
    expect(shards.length).toBe(Math.ceil((model.countParams() * 4) / 1000));
    await rm(join(target, shards[1]));
    await expect(loadModel(target)).rejects.toThrow(
      new RegExp(`lists weight shard ${shards[1]}, but .* cannot be read \\(ENOENT\\)`),
    );
    await saveModel(model, target, { shardSizeBytes: 1000, overwrite: true });
    await truncate(join(target, shards[shards.length - 1]), 10);
    await expect(loadModel(target)).rejects.toThrow(
      /needs \d+ bytes of weight data, found \d+; a shard is missing or truncated/,
    );
    await saveModel(model, target, { shardSizeBytes: 1000, overwrite: true });

    const wrongShape = structuredClone(json);
    wrongShape.modelTopology.config.layers[5].config.units = 9;
    await writeFile(jsonPath, JSON.stringify(wrongShape));
    await expect(loadModel(target)).rejects.toThrow(
      /weight dense\/kernel of layer dense has shape \[150, 9\] in the model but \[150, 8\] in the file/,
    );
    const renamed = structuredClone(json);
    renamed.weightsManifest[0].weights[1].name = 'conv2d/beta';
    await writeFile(jsonPath, JSON.stringify(renamed));
    await expect(loadModel(target)).rejects.toThrow(
      /has no values for weight\(s\) conv2d\/bias; it has values for conv2d\/beta, which the model does not have/,
    );
    await writeFile(jsonPath, JSON.stringify({ ...json, format: 'graph-model' }));
    await expect(loadModel(target)).rejects.toThrow(
      /expected a TensorFlow.js 'layers-model' model, found format 'graph-model'/,
    );
    await writeFile(jsonPath, JSON.stringify({ hello: 1 }));
    await expect(loadModel(target)).rejects.toThrow(
      /model\.json is not a TensorFlow.js model.json: .*found keys hello/,
    );
    await writeFile(jsonPath, '{ not json');
    await expect(loadModel(target)).rejects.toThrow(/model\.json is not valid JSON/);
    await expect(loadModel(join(dir, 'no-such-model'))).rejects.toThrow(
      /no-such-model: no such file or folder/,
    );
    await mkdir(join(dir, 'empty'));
    await expect(loadModel(join(dir, 'empty'))).rejects.toThrow(/empty: the folder has no model\.json/);
    model.dispose();
  });

  it('checkpointSaver replaces the checkpoint at a path each time it is called, as Keras does', async () => {
    const model = smallConvnet();
    const save = checkpointSaver();
    const target = join(dir, 'ckpt', 'best');
    randomizeWeights(model, 51);
    await save(model, target);
    randomizeWeights(model, 52);
    await save(model, target);
    const loaded = await loadModel(target);
    const x = batch();
    expect(await values(loaded.predict(x))).toEqual(await values(model.predict(x)));
    x.dispose();
    expect((await readdir(join(dir, 'ckpt'))).sort()).toEqual(['best']);
    await expect(save({ name: 'not a layer' }, target)).rejects.toThrow(
      /checkpointSaver: expected a @convkit\/layers model to save to .*best; found Object/,
    );
    model.dispose();
    loaded.dispose();
  });

  it('leaks no tensors while saving and loading', async () => {
    const model = smallConvnet();
    const target = join(dir, 'leaks');
    const artifacts = await modelToArtifacts(model);
    await expectNoLeakedTensors(async () => {
      await saveModel(model, target, { quantize: 'float16' });
      (await loadModel(target)).dispose();
      modelFromArtifacts(artifacts, 'memory').dispose();
    });
    // A failed load (shape mismatch) frees what it made too.
    (artifacts.modelTopology as any).config.layers[6].config.units = 4;
    await expectNoLeakedTensors(() => {
      expect(() => modelFromArtifacts(artifacts, 'memory')).toThrow(/shape/);
    });
    model.dispose();
  });
});
