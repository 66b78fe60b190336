import { initBackend } from '@convkit/tensor';
import { webgpuUnavailable } from '@convkit/tensor/testing';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureGradients } from '../gradients/register';
import { getLoss } from './losses';
import { getMetric } from './metrics';

/**
 * Predictions with what the clip and normalisation must handle: exact 0 and 1, values below
 * epsilon, rows that do not sum to 1, and ties for the argmax.
 */
const PREDS = [
  [0.7, 0.2, 0.1, 0],
  [1, 0, 0, 0],
  [0.25, 0.25, 0.25, 0.25],
  [0.1, 0.6, 0.3, 0.5],
  [1e-9, 0.5, 0.5, 0.2],
  [0.05, 0.05, 0.8, 0.1],
];
const CLASSES = [0, 1, 2, 3, 0, 2];
const BINARY = [
  [1, 0, 1, 0],
  [1, 1, 0, 0],
  [0, 0, 0, 1],
  [1, 0, 1, 1],
  [0, 1, 1, 0],
  [0, 0, 1, 0],
];

type Case = { name: string; loss: string; labels: () => tf.Tensor; preds?: number[][] };
const CASES: Case[] = [
  {
    name: 'categorical',
    loss: 'categorical_crossentropy',
    labels: () => tf.cast(tf.oneHot(CLASSES, 4), 'float32'),
  },
  {
    name: 'sparse, int32 labels',
    loss: 'sparse_categorical_crossentropy',
    labels: () => tf.tensor1d(CLASSES, 'int32'),
  },
  {
    name: 'sparse, float labels',
    loss: 'sparse_categorical_crossentropy',
    labels: () => tf.tensor1d(CLASSES),
  },
  { name: 'binary, 4 units', loss: 'binary_crossentropy', labels: () => tf.tensor2d(BINARY) },
  {
    name: 'binary, 1 unit (a sigmoid output)',
    loss: 'binary_crossentropy',
    labels: () => tf.tensor2d(BINARY.map((row) => [row[0]])),
    preds: PREDS.map((row) => [row[1]]),
  },
];

/** Per-sample loss, accuracy, and the gradient of a weighted loss sum with respect to the predictions. */
async function compute(
  c: Case,
): Promise<{ loss: number[]; accuracy: number[]; grad: number[]; kernels: string[] }> {
  const loss = getLoss(c.loss);
  const preds = c.preds ?? PREDS;
  const metric = getMetric('accuracy', loss, preds[0].length);
  const t = c.labels();
  const p = tf.tensor2d(preds);
  const weights = tf.tensor1d([1, -2, 0.5, 3, 1, 0.25]);
  const profile = await tf.profile(() => {
    const perSample = loss.perSample(t, p);
    const accuracy = metric.perSample(t, p);
    const grad = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(loss.perSample(t, x), weights)))(p);
    return [perSample, accuracy, grad];
  });
  const [l, a, g] = profile.result as tf.Tensor[];
  const out = {
    loss: Array.from(await l.data()),
    accuracy: Array.from(await a.data()),
    grad: Array.from(await g.data()),
    kernels: profile.kernels.map((k) => k.name),
  };
  tf.dispose([t, p, weights, l, a, g]);
  return out;
}

function expectClose(got: number[], want: number[], what: string): void {
  const scale = Math.max(...want.map(Math.abs));
  got.forEach((v, i) => {
    expect(Math.abs(v - want[i]), `${what}[${i}]: ${v} vs ${want[i]}`).toBeLessThanOrEqual(1e-5 * scale);
  });
}

/**
 * On WebGPU the crossentropies (forward and gradient) and accuracies run as convkit's fused
 * kernels. They must give what the same losses written as tfjs ops give on cpu. Runs where an
 * adapter starts (a GPU, or lavapipe in CI).
 */
describe.skipIf(await webgpuUnavailable())('fused losses and accuracies on WebGPU', () => {
  beforeAll(() => {
    ensureGradients();
    tf.env().set('WEBGPU_CPU_FORWARD', false);
  });
  afterAll(() => {
    tf.env().set('WEBGPU_CPU_FORWARD', true);
  });

  for (const c of CASES) {
    it(`${c.name}: loss, accuracy and gradient as the tfjs ops on cpu give them (1e-5)`, async () => {
      await initBackend('cpu');
      const want = await compute(c);
      await initBackend('webgpu');
      const got = await compute(c);
      expect(got.kernels).toContain('ConvkitCrossentropy');
      expect(got.kernels).toContain('ConvkitCrossentropyGrad');
      expect(got.kernels).toContain('ConvkitAccuracy');
      expectClose(got.loss, want.loss, 'loss');
      expect(got.accuracy).toEqual(want.accuracy);
      expectClose(got.grad, want.grad, 'gradient');
      expect(want.grad.some((v) => v === 0)).toBe(true); // the clip cut some gradients
    });
  }
});
