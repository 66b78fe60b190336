import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../init-backend';
import { webgpuUnavailable } from '../testing';

/** Runs `f` on the cpu backend (the reference) and on webgpu; returns both results' values. */
async function onCpuAndWebgpu(
  f: () => tf.Tensor,
): Promise<{ want: Float32Array; got: Float32Array; shape: number[] }> {
  await initBackend('cpu');
  const reference = tf.tidy(f);
  const want = (await reference.data()) as Float32Array;
  reference.dispose();
  await initBackend('webgpu');
  tf.env().set('WEBGPU_CPU_FORWARD', false);
  const before = tf.memory().numTensors;
  const result = tf.tidy(f);
  const got = (await result.data()) as Float32Array;
  const shape = result.shape;
  result.dispose();
  expect(tf.memory().numTensors).toBe(before);
  return { want, got, shape };
}

/** The largest difference between `got` and `want`, over the largest |want| (1 when all are 0). */
function relativeError(got: Float32Array, want: Float32Array): number {
  expect(got.length).toBe(want.length);
  let worst = 0;
  want.forEach((v, i) => {
    worst = Math.max(worst, Math.abs(got[i] - v));
  });
  return worst / Math.max(1, ...want.map(Math.abs));
}

/**
 * convkit's one-pass MaxPoolGrad on webgpu against tfjs's cpu backend.
 * Runs where an adapter starts (a GPU, or lavapipe in CI).
 */
describe.skipIf(await webgpuUnavailable())('MaxPoolGrad on webgpu', () => {
  beforeAll(async () => {
    await initBackend('webgpu');
  });
  afterAll(() => {
    tf.env().set('WEBGPU_CPU_FORWARD', true);
  });

  const pools: {
    name: string;
    x: [number, number, number, number];
    filterSize: [number, number];
    strides: [number, number];
    pad: 'valid' | 'same';
  }[] = [
    {
      name: '2x2 stride 2 after relu (ties of zeros)',
      x: [2, 26, 26, 3],
      filterSize: [2, 2],
      strides: [2, 2],
      pad: 'valid',
    },
    {
      name: '3x3 stride 2 same (overlap, padding)',
      x: [1, 7, 9, 2],
      filterSize: [3, 3],
      strides: [2, 2],
      pad: 'same',
    },
    {
      name: '2x2 stride 1 (each input in up to 4 windows)',
      x: [2, 5, 5, 4],
      filterSize: [2, 2],
      strides: [1, 1],
      pad: 'valid',
    },
    {
      name: 'odd sizes (last row and column in no window)',
      x: [1, 11, 13, 5],
      filterSize: [2, 2],
      strides: [2, 2],
      pad: 'valid',
    },
    { name: '3x2 stride 3x1', x: [1, 9, 6, 1], filterSize: [3, 2], strides: [3, 1], pad: 'valid' },
  ];
  for (const p of pools) {
    it(`MaxPoolGrad matches cpu, first maximum of ties included: ${p.name}`, async () => {
      const { want, got } = await onCpuAndWebgpu(() => {
        // Rounded values and relu: many windows hold equal maxima, as after a relu in training.
        const x = tf.relu(tf.round(tf.randomNormal(p.x, 0, 2, 'float32', 7))) as tf.Tensor4D;
        const y = tf.maxPool(x, p.filterSize, p.strides, p.pad);
        const dy = tf.randomNormal(y.shape, 0, 1, 'float32', 8);
        const attrs = { filterSize: p.filterSize, strides: p.strides, pad: p.pad };
        return tf
          .engine()
          .runKernel(tf.MaxPoolGrad, { dy, input: x, output: y }, attrs as never) as tf.Tensor;
      });
      expect(relativeError(got, want)).toBeLessThan(1e-6);
    });
  }
});
