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
 * convkit's one-pass MaxPoolGrad and direct thin conv2d on webgpu against tfjs's cpu backend.
 * Runs where an adapter starts (a GPU, or lavapipe in CI).
 */
describe.skipIf(await webgpuUnavailable())('convkit convnet kernels on webgpu', () => {
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

  const convs: {
    name: string;
    x: [number, number, number, number];
    filter: [number, number, number, number];
    strides?: [number, number];
    dilations?: [number, number];
    pad: 'valid' | 'same';
    bias: boolean;
    activation?: 'relu' | 'linear';
  }[] = [
    {
      name: 'MNIST conv1: 3x3, 1 channel, bias and relu',
      x: [2, 28, 28, 1],
      filter: [3, 3, 1, 32],
      pad: 'valid',
      bias: true,
      activation: 'relu',
    },
    {
      name: '3x3 same, stride 2, 2 channels, no bias',
      x: [1, 9, 8, 2],
      filter: [3, 3, 2, 5],
      strides: [2, 2],
      pad: 'same',
      bias: false,
      activation: 'linear',
    },
    {
      name: 'dilation 2, bias, linear',
      x: [2, 10, 10, 1],
      filter: [3, 3, 1, 7],
      dilations: [2, 2],
      pad: 'same',
      bias: true,
      activation: 'linear',
    },
    {
      name: '1x1, 5 channels (thin, not a multiple of 3 or 4)',
      x: [2, 4, 4, 5],
      filter: [1, 1, 5, 6],
      pad: 'valid',
      bias: true,
      activation: 'relu',
    },
    {
      name: 'plain Conv2D (no fusion), 5x5 same',
      x: [1, 12, 12, 1],
      filter: [5, 5, 1, 3],
      pad: 'same',
      bias: false,
    },
    {
      name: 'not thin (4 channels): tfjs runs it',
      x: [1, 6, 6, 4],
      filter: [3, 3, 4, 8],
      pad: 'valid',
      bias: true,
      activation: 'relu',
    },
  ];
  for (const c of convs) {
    it(`conv2d matches cpu within 1e-5: ${c.name}`, async () => {
      const { want, got, shape } = await onCpuAndWebgpu(() => {
        const x = tf.randomNormal(c.x, 0, 1, 'float32', 1) as tf.Tensor4D;
        const filter = tf.randomNormal(c.filter, 0, 0.5, 'float32', 2) as tf.Tensor4D;
        const bias = c.bias ? tf.randomNormal([c.filter[3]], 0, 1, 'float32', 3) : undefined;
        const strides = c.strides ?? [1, 1];
        if (c.activation === undefined) return tf.conv2d(x, filter, strides, c.pad, 'NHWC', c.dilations);
        return tf.fused.conv2d({
          x,
          filter,
          bias,
          strides,
          pad: c.pad,
          dilations: c.dilations,
          activation: c.activation,
        });
      });
      expect(shape[3]).toBe(c.filter[3]);
      expect(relativeError(got, want)).toBeLessThan(1e-5);
    });
  }
});
