import { expectNoLeakedTensors, forEachBackend } from '@convkit/tensor/testing';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { preprocessInput } from './preprocess';

forEachBackend(['cpu'], () => {
  describe('preprocessInput (caffe mode)', () => {
    it('reverses RGB to BGR and subtracts the ImageNet BGR mean, on one image', async () => {
      const x = tf.tensor3d([10, 20, 30, 255, 0, 128], [1, 2, 3]);
      const y = preprocessInput(x);
      expect(y.shape).toEqual([1, 2, 3]);
      const expected = [30 - 103.939, 20 - 116.779, 10 - 123.68, 128 - 103.939, 0 - 116.779, 255 - 123.68];
      for (const [i, v] of Array.from(await y.data()).entries()) expect(v).toBeCloseTo(expected[i], 4);
      expect(Array.from(await x.data())).toEqual([10, 20, 30, 255, 0, 128]);
      tf.dispose([x, y]);
    });

    it('works on a batch and on int32 pixels, and leaks nothing', async () => {
      const x = tf.tensor4d([1, 2, 3, 4, 5, 6], [2, 1, 1, 3], 'int32');
      const y = await expectNoLeakedTensors(() => preprocessInput(x), { allowed: 1 });
      expect(y.dtype).toBe('float32');
      const d = await y.data();
      expect(d[0]).toBeCloseTo(3 - 103.939, 4);
      expect(d[5]).toBeCloseTo(4 - 123.68, 4);
      tf.dispose([x, y]);
    });

    it('says what is wrong with the wrong rank or channel count', () => {
      const gray = tf.zeros([4, 4, 1]) as tf.Tensor3D;
      expect(() => preprocessInput(gray)).toThrow(/3 channels \(RGB\).*found 1/);
      const flat = tf.zeros([3]) as unknown as tf.Tensor3D;
      expect(() => preprocessInput(flat)).toThrow(/image \[height, width, 3\] or a batch/);
      tf.dispose([gray, flat]);
    });
  });
});
