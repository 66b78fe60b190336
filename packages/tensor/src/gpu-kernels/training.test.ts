import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConvkitUsageError } from '../errors';
import { initBackend } from '../init-backend';
import { webgpuUnavailable } from '../testing';
import { fusedAddSums, fusedSoftmaxGrad } from './training';

/**
 * convkit's WebGPU training kernels against the tfjs ops they replace, on the same backend.
 * (The crossentropy and accuracy kernels are checked in @convkit/layers, through the losses; the
 * WebGL versions of all of them in the web app's end-to-end tests, in headless Chromium.)
 * Runs where an adapter starts (a GPU, or lavapipe in CI).
 */
describe.skipIf(await webgpuUnavailable())('WebGPU training kernels', () => {
  beforeAll(async () => {
    await initBackend('webgpu');
    tf.env().set('WEBGPU_CPU_FORWARD', false);
  });
  afterAll(() => {
    tf.env().set('WEBGPU_CPU_FORWARD', true);
  });

  it('fusedSoftmaxGrad gives y (dy - sum(dy y)) along the last axis, in one dispatch', async () => {
    const y = tf.softmax(tf.randomNormal([2, 3, 7], 0, 2, 'float32', 5));
    const dy = tf.randomNormal([2, 3, 7], 0, 1, 'float32', 6);
    const dyy = tf.mul(dy, y);
    const want = await tf.sub(dyy, tf.mul(tf.sum(dyy, -1, true), y)).data();
    const profile = await tf.profile(() => fusedSoftmaxGrad(y, dy));
    const got = profile.result as tf.Tensor;
    // Rank 3 goes as rows of the last axis: reshapes, which move no data, around one dispatch.
    expect(profile.kernels.map((k) => k.name).filter((k) => k !== 'Reshape')).toEqual(['ConvkitSoftmaxGrad']);
    expect(got.shape).toEqual([2, 3, 7]);
    const values = await got.data();
    want.forEach((v, i) => {
      expect(Math.abs(values[i] - v)).toBeLessThan(1e-6);
    });
    expect(() => fusedSoftmaxGrad(y, tf.zeros([2, 7]))).toThrow(ConvkitUsageError);
  });

  it('fusedAddSums adds the sum of each value tensor to the running sums, in one dispatch', async () => {
    const sums = tf.tensor1d([1, -2, 0.5]);
    const values = [tf.range(0, 64), tf.ones([64]), tf.linspace(-1, 1, 64)];
    const profile = await tf.profile(() => fusedAddSums(sums, values));
    expect(profile.kernels.map((k) => k.name)).toEqual(['ConvkitAddSums']);
    const got = await (profile.result as tf.Tensor).data();
    [1 + 2016, -2 + 64, 0.5 + 0].forEach((v, i) => {
      expect(got[i]).toBeCloseTo(v, 4);
    });
    expect(() => fusedAddSums(sums, values.slice(1))).toThrow(/sums of shape \[k\] and k values/);
  });

  it('says where the kernels run when called on another backend', async () => {
    await initBackend('cpu');
    try {
      const y = tf.softmax(tf.ones([2, 3]));
      expect(() => fusedSoftmaxGrad(y, y)).toThrow(
        /runs only on the webgpu and webgl backends, and the active one is cpu/,
      );
    } finally {
      await initBackend('webgpu');
    }
  });
});
