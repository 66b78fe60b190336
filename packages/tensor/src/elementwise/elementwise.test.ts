import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConvkitUsageError } from '../errors';
import { initBackend } from '../init-backend';
import { webgpuUnavailable } from '../testing';
import { elementwise } from './elementwise';
import * as ew from './expr';

/** Keras's RMSprop step written as a formula: [w', ms']. */
const rmsprop = (lr: number) => (terms: ew.ExprNode[]) => {
  const [w, g, ms] = terms;
  const msNext = ew.add(ew.mul(ms, 0.9), ew.mul(ew.square(g), ew.sub(1, 0.9)));
  return [ew.sub(w, ew.div(ew.mul(g, lr), ew.add(ew.sqrt(msNext), 1e-7))), msNext];
};

/** The same step with tfjs ops, written out by hand: the reference. */
function rmspropByHand(w: tf.Tensor, g: tf.Tensor, ms: tf.Tensor, lr: number): tf.Tensor[] {
  const msNext = tf.add(tf.mul(ms, 0.9), tf.mul(tf.square(g), 0.1));
  return [tf.sub(w, tf.div(tf.mul(g, lr), tf.add(tf.sqrt(msNext), 1e-7))), msNext];
}

/** Seeded inputs of a shape; ms positive, as a mean square is. */
function inputs(shape: number[]): tf.Tensor[] {
  return [
    tf.randomNormal(shape, 0, 1, 'float32', 1),
    tf.randomNormal(shape, 0, 0.1, 'float32', 2),
    tf.randomUniform(shape, 0, 0.01, 'float32', 3),
  ];
}

async function values(ts: tf.Tensor[]): Promise<Float32Array[]> {
  return Promise.all(ts.map(async (t) => (await t.data()) as Float32Array));
}

function relativeError(got: Float32Array, want: Float32Array): number {
  let d = 0;
  let s = 0;
  want.forEach((v, i) => {
    d = Math.max(d, Math.abs(got[i] - v));
    s = Math.max(s, Math.abs(v));
  });
  return d / s;
}

describe('elementwise as tfjs ops (cpu)', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('computes what the same ops written by hand compute, each shared node once', async () => {
    const xs = inputs([3, 5]);
    const want = await values(rmspropByHand(xs[0], xs[1], xs[2], 1e-3));
    const profile = await tf.profile(() => elementwise(xs, rmsprop(1e-3)));
    expect(await values(profile.result as tf.Tensor[])).toEqual(want);
    // 1 - 0.9 is folded; ms' is computed once though both outputs use it.
    expect(profile.kernels).toHaveLength(9); // as many ops as by hand
    tf.dispose([...xs, ...(profile.result as tf.Tensor[])]);
  });

  it('refuses inputs of other shapes or dtypes and outputs that are not operations', () => {
    const a = tf.zeros([2, 3]);
    const b = tf.zeros([3, 2]);
    const i = tf.zeros([2, 3], 'int32');
    expect(() => elementwise([a, b], ([x, y]) => [ew.add(x, y)])).toThrow(
      /same shape \(there is no broadcasting\)/,
    );
    expect(() => elementwise([a, i], ([x, y]) => [ew.add(x, y)])).toThrow(
      /input 1 is int32; cast it to float32/,
    );
    expect(() => elementwise([a], ([x]) => [x])).toThrow(ConvkitUsageError);
    expect(() => elementwise([a], () => [ew.add(1, 2)])).toThrow(/output 0 is the number 3/);
    tf.dispose([a, b, i]);
  });
});

/**
 * On WebGPU each output is one dispatch of a generated shader. Runs where an adapter starts (a
 * GPU, or the lavapipe software driver that CI installs); skipped elsewhere with the reason.
 */
describe.skipIf(await webgpuUnavailable())('elementwise on WebGPU', () => {
  beforeAll(async () => {
    await initBackend('webgpu');
    tf.env().set('WEBGPU_CPU_FORWARD', false); // else tfjs runs the reference's small ops on the CPU
  });
  afterAll(() => {
    tf.env().set('WEBGPU_CPU_FORWARD', true);
  });

  // 4 per thread (size a multiple of 4), 1 per thread, and more workgroups than one dispatch
  // dimension allows (65,535), which tfjs spreads over a second dimension.
  for (const shape of [[3, 3, 32, 64], [10], [65_535 * 64 + 3]]) {
    it(`matches the ops written by hand within 1e-6, one dispatch per output: shape [${shape}]`, async () => {
      const xs = inputs(shape);
      const want = await values(rmspropByHand(xs[0], xs[1], xs[2], 1e-3));
      const before = tf.memory().numTensors;
      const profile = await tf.profile(() => elementwise(xs, rmsprop(1e-3)));
      const got = profile.result as tf.Tensor[];
      expect(profile.kernels.map((k) => k.name)).toEqual(['ConvkitElementwise', 'ConvkitElementwise']);
      expect(got.map((t) => t.shape)).toEqual([shape, shape]);
      const [w, ms] = await values(got);
      expect(relativeError(w, want[0])).toBeLessThan(1e-6);
      expect(relativeError(ms, want[1])).toBeLessThan(1e-6);
      tf.dispose(got);
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose(xs);
    }, 60_000);
  }

  for (const size of [10, 12]) {
    it(`computes step as tf.step does, zeros included (${size} elements)`, async () => {
      const y = tf.tensor1d(Array.from({ length: size }, (_, i) => [0, -1.5, 2, 1e-30][i % 4]));
      const dy = tf.tensor1d(Array.from({ length: size }, (_, i) => i - 3.5));
      const [got] = elementwise([dy, y], ([dy, y]) => [ew.mul(dy, ew.step(y))]);
      const want = tf.mul(dy, tf.step(y));
      expect(Array.from(await got.data())).toEqual(Array.from(await want.data()));
      tf.dispose([y, dy, got, want]);
    });
  }

  it('reuses the compiled shader when only the numbers change', async () => {
    const xs = inputs([8, 4]);
    const pipelines = () =>
      Object.keys((tf.backend() as unknown as { pipelineCache: object }).pipelineCache).length;
    tf.dispose(elementwise(xs, rmsprop(1e-3)));
    const compiled = pipelines();
    const got = elementwise(xs, rmsprop(5e-4));
    expect(pipelines()).toBe(compiled);
    const want = await values(rmspropByHand(xs[0], xs[1], xs[2], 5e-4));
    expect(relativeError((await got[0].data()) as Float32Array, want[0])).toBeLessThan(1e-6);
    tf.dispose([...xs, ...got]);
  });
});
