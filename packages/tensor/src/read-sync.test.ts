import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConvkitUsageError } from './errors';
import { tensorToPixels, tensorToPixelsSync } from './image';
import { initBackend } from './init-backend';
import { readSync, readSyncOrAsync } from './read-sync';
import { webgpuUnavailable } from './testing';

/** A stand-in for a tensor whose synchronous read fails as it does on WebGPU in node. */
const failing = (error: Error) =>
  ({
    dataSync: () => {
      throw error;
    },
  }) as unknown as tf.Tensor;

describe('readSync', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('reads a tensor like dataSync', () => {
    expect(Array.from(readSync(tf.tensor1d([1, 2, 3]), 'test', ''))).toEqual([1, 2, 3]);
  });

  it('turns WebGPU-in-node’s missing OffscreenCanvas into an error that says what to do', () => {
    const t = failing(new ReferenceError('OffscreenCanvas is not defined'));
    expect(() => readSync(t, 'decodePredictions', 'Pass await preds.array().')).toThrow(ConvkitUsageError);
    expect(() => readSync(t, 'decodePredictions', 'Pass await preds.array().')).toThrow(
      /^decodePredictions reads a tensor synchronously, which the webgpu backend cannot do in node .* Pass await preds\.array\(\)\.$/,
    );
  });

  it('lets other errors through', () => {
    expect(() => readSync(failing(new Error('disposed')), 'x', '')).toThrow(/^disposed$/);
    expect(() => readSyncOrAsync([failing(new Error('disposed'))])).toThrow(/^disposed$/);
  });

  it('readSyncOrAsync reads at once where it can, else gives a promise', async () => {
    const now = readSyncOrAsync([tf.tensor1d([1, 2]), tf.tensor1d([3])]);
    expect(now).not.toBeInstanceOf(Promise);
    expect((now as tf.TypedArray[]).map((v) => Array.from(v))).toEqual([[1, 2], [3]]);
    const later = {
      ...failing(new ReferenceError('OffscreenCanvas is not defined')),
      data: async () => Float32Array.from([5]),
    } as unknown as tf.Tensor;
    const promised = readSyncOrAsync([later]);
    expect(promised).toBeInstanceOf(Promise);
    expect((await promised).map((v) => Array.from(v))).toEqual([[5]]);
  });
});

// Runs where WebGPU starts (CI installs Mesa's lavapipe); skipped elsewhere.
describe.skipIf(await webgpuUnavailable())('synchronous reads on WebGPU in node', () => {
  it('fail with a clear error for a tensor computed on the GPU; the async read works', async () => {
    await initBackend('webgpu');
    tf.env().set('WEBGPU_CPU_FORWARD', false); // else tfjs computes this small op on the CPU
    const onGpu = tf.tidy(() => tf.mul(tf.ones([2, 2, 3]), 100) as tf.Tensor3D);
    expect(() => tensorToPixelsSync(onGpu)).toThrow(
      /tensorToPixelsSync reads a tensor synchronously.*tensorToPixels/,
    );
    expect(Array.from((await tensorToPixels(onGpu)).data)).toEqual(new Array(12).fill(100));
    onGpu.dispose();
  });
});
