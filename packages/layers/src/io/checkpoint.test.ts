import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '@convkit/tensor';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { resetLayerNames } from '../core/names';
import { setSeed } from '../core/seed';
import { dense } from '../layers/dense';
import { sequential } from '../model/sequential';
import { maxAbsDiff } from '../test-utils';
import { modelCheckpoint } from '../training/callbacks';
import { folderHandler } from './folder-handler';
import { checkpointSaver, loadModel } from './save-load-node';

/** A small, learnable binary problem: is x0 + x1 > 0? */
function data(seed: number, n: number): [tf.Tensor, tf.Tensor] {
  return tf.tidy(() => {
    const x = tf.randomNormal([n, 4], 0, 1, 'float32', seed);
    const y = tf.cast(tf.greater(tf.sum(tf.slice(x, [0, 0], [n, 2]), 1, true), 0), 'float32');
    return [x, y];
  });
}

describe('model.save and modelCheckpoint write through the TensorFlow.js saver', () => {
  let dir: string;
  beforeAll(async () => {
    await initBackend('cpu');
    dir = await mkdtemp(join(tmpdir(), 'convkit-ckpt-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    resetLayerNames();
    setSeed(5);
  });

  it('keeps the best epoch’s weights (saveBestOnly) in one folder that loads back', async () => {
    const model = sequential([
      dense({ units: 8, activation: 'relu', inputShape: [4] }),
      dense({ units: 1, activation: 'sigmoid' }),
    ]);
    model.compile({ optimizer: 'rmsprop', loss: 'binary_crossentropy', metrics: ['acc'] });
    const [x, y] = data(1, 128);
    const [vx, vy] = data(2, 64);
    const best = join(dir, 'best');
    const saved: { epoch: number; valLoss: number; weights: Float32Array[] }[] = [];
    const save = checkpointSaver();
    const history = await model.fit(x, y, {
      epochs: 4,
      batchSize: 32,
      validationData: [vx, vy],
      callbacks: [
        modelCheckpoint({
          filepath: best,
          saveBestOnly: true,
          save: async (m, path, info) => {
            await save(m, path);
            saved.push({
              epoch: info.epoch,
              valLoss: info.logs.val_loss,
              weights: await Promise.all(
                model.weights.map(async (w) => (await w.variable.data()) as Float32Array),
              ),
            });
          },
        }),
      ],
    });
    const valLoss = history.history.val_loss;
    expect(valLoss).toHaveLength(4);
    // Saved exactly when val_loss reached a new minimum.
    const improving = valLoss.flatMap((v, i) => (v < Math.min(...valLoss.slice(0, i), Infinity) ? [i] : []));
    expect(saved.map((s) => s.epoch)).toEqual(improving);
    expect(saved.length).toBeGreaterThan(1); // so a later checkpoint replaced an earlier one
    expect((await readdir(dir)).filter((f) => f.startsWith('best'))).toEqual(['best']);
    const loaded = await loadModel(best);
    const last = saved[saved.length - 1];
    for (let i = 0; i < loaded.weights.length; i++) {
      expect(await loaded.weights[i].variable.data()).toEqual(last.weights[i]);
    }
    tf.dispose([x, y, vx, vy]);
    model.dispose();
    loaded.dispose();
  });

  it('model.save(path) writes a folder that tfjs-layers loads (after importing the node entry)', async () => {
    const model = sequential([
      dense({ units: 3, activation: 'relu', inputShape: [4] }),
      dense({ units: 2, activation: 'softmax' }),
    ]);
    const target = join(dir, 'saved');
    await model.save(target);
    await expect(model.save(target)).rejects.toThrow(/already exists. Pass \{ overwrite: true \}/);
    await model.save(`file://${target}`, { overwrite: true });
    const theirs = await tfl.loadLayersModel(folderHandler(target));
    const [x] = data(3, 6);
    const a = model.predict(x);
    const b = theirs.predict(x) as tf.Tensor;
    expect(maxAbsDiff(a, b)).toBeLessThan(1e-6);
    tf.dispose([x, a, b]);
    theirs.dispose();
    model.dispose();
  });
});
