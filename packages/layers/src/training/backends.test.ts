import { initBackend } from '@convkit/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { resetLayerNames } from '../core/names';
import { setSeed } from '../core/seed';
import { conv2d } from '../layers/conv2d';
import { dense } from '../layers/dense';
import { flatten } from '../layers/flatten';
import { maxPooling2d } from '../layers/max-pooling2d';
import { sequential } from '../model/sequential';

/** Trains the same small convnet for a few RMSprop steps on a backend; returns its weights and loss history. */
async function trainOn(
  backend: 'cpu' | 'wasm',
): Promise<{ weights: Float32Array[]; loss: number[]; leaked: number }> {
  await initBackend(backend);
  resetLayerNames();
  setSeed(21);
  const model = sequential([
    conv2d({ filters: 4, kernelSize: 3, activation: 'relu', inputShape: [12, 12, 1] }),
    maxPooling2d({ poolSize: 2 }),
    conv2d({ filters: 6, kernelSize: 3, activation: 'relu', padding: 'same' }),
    maxPooling2d({ poolSize: 2 }),
    flatten(),
    dense({ units: 5, activation: 'softmax' }),
  ]);
  const x = tf.tidy(() => tf.div(tf.reshape(tf.range(0, 32 * 144), [32, 12, 12, 1]), 32 * 144));
  const y = tf.oneHot(
    tf.tensor1d(
      Array.from({ length: 32 }, (_, i) => i % 5),
      'int32',
    ),
    5,
  );
  model.compile({ optimizer: 'rmsprop', loss: 'categorical_crossentropy', metrics: ['acc'] });
  await model.fit(x, y, { epochs: 1, batchSize: 8, shuffle: false });
  const before = tf.memory().numTensors;
  const h = await model.fit(x, y, { epochs: 2, batchSize: 8, shuffle: false, validationData: [x, y] });
  const leaked = tf.memory().numTensors - before;
  const weights = model.getWeights().map((w) => {
    const v = w.dataSync().slice() as Float32Array;
    w.dispose();
    return v;
  });
  tf.dispose([x, y]);
  model.dispose();
  return { weights, loss: h.history.loss, leaked };
}

describe('training on wasm', () => {
  it('gives the same weights as cpu after RMSprop steps and leaks nothing', async () => {
    const cpu = await trainOn('cpu');
    const wasm = await trainOn('wasm');
    expect(wasm.leaked).toBe(0);
    expect(cpu.leaked).toBe(0);
    wasm.weights.forEach((w, i) => {
      let d = 0;
      let s = 0;
      w.forEach((v, j) => {
        d = Math.max(d, Math.abs(v - cpu.weights[i][j]));
        s = Math.max(s, Math.abs(cpu.weights[i][j]));
      });
      expect(d / s).toBeLessThan(1e-4);
    });
    expect(wasm.loss[1]).toBeCloseTo(cpu.loss[1], 4);
  });
});
