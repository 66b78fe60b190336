import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { describe, expect, it } from 'vitest';
import {
  convertChannels,
  ensureBatch,
  pixelsToTensor,
  stackBatch,
  tensorToPixelsSync,
  unstackBatch,
} from './image';

describe('image helpers', () => {
  const image = {
    width: 2,
    height: 1,
    channels: 3 as const,
    data: new Uint8Array([0, 128, 255, 10, 20, 30]),
  };

  it('round-trips pixels through a float tensor', () => {
    const t = pixelsToTensor(image);
    expect(t.shape).toEqual([1, 2, 3]);
    expect(t.dtype).toBe('float32');
    expect(Array.from(tensorToPixelsSync(t).data)).toEqual(Array.from(image.data));
    expect(pixelsToTensor(image, { scale: 1 / 255 }).dataSync()[2]).toBeCloseTo(1, 6);
  });

  it('rounds and clips floats back to uint8', () => {
    const px = tensorToPixelsSync(tf.tensor3d([-3, 12.6, 300], [1, 1, 3]));
    expect(Array.from(px.data)).toEqual([0, 13, 255]);
  });

  it('rejects a buffer whose length does not match the size', () => {
    expect(() => pixelsToTensor({ ...image, width: 3 })).toThrow(/needs 9 bytes, got 6/);
  });

  it('converts channels as PIL does', () => {
    expect(Array.from(convertChannels(image, 1).data)).toEqual([
      Math.floor((128 * 587 + 255 * 114) / 1000),
      Math.floor((10 * 299 + 20 * 587 + 30 * 114) / 1000),
    ]);
    expect(Array.from(convertChannels(image, 4).data)).toEqual([0, 128, 255, 255, 10, 20, 30, 255]);
  });

  it('makes and splits NHWC batches', () => {
    const a = tf.zeros([2, 2, 3]) as tf.Tensor3D;
    const b = tf.ones([2, 2, 3]) as tf.Tensor3D;
    const batch = stackBatch([a, b]);
    expect(batch.shape).toEqual([2, 2, 2, 3]);
    expect(tf.sum(unstackBatch(batch)[1]).dataSync()[0]).toBe(12);
    expect(ensureBatch(a).shape).toEqual([1, 2, 2, 3]);
    expect(() => stackBatch([a, tf.zeros([3, 2, 3]) as tf.Tensor3D])).toThrow(
      /image 1 has shape \[3, 2, 3\]/,
    );
    expect(() => ensureBatch(tf.zeros([4]))).toThrow(/got shape \[4\]/);
  });
});
