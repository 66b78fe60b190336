import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConvkitUsageError } from './errors';
import type { PixelImage } from './image';
import { initBackend } from './init-backend';
import { toModelInput } from './model-input';

const model = { name: 'tiny', inputShape: [null, 2, 3, 1] };
const gray = (width: number, height: number, value: number): PixelImage => ({
  width,
  height,
  channels: 1,
  data: new Uint8Array(width * height).fill(value),
});

describe('toModelInput', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('stacks pixels into a batch and divides by 255 by default', () => {
    const x = toModelInput(model, [gray(3, 2, 51), gray(3, 2, 255)], {}, 'test');
    expect(x.shape).toEqual([2, 2, 3, 1]);
    expect(Array.from(x.dataSync())).toEqual([...Array(6).fill(Math.fround(0.2)), ...Array(6).fill(1)]);
  });

  it('converts RGB pixels to the model channels and applies a given preprocess', () => {
    const rgb: PixelImage = { width: 3, height: 2, channels: 3, data: new Uint8Array(18).fill(10) };
    const x = toModelInput(model, rgb, { preprocess: (p) => tf.sub(p, 10) }, 'test');
    expect(x.shape).toEqual([1, 2, 3, 1]);
    expect(Math.max(...Array.from(x.dataSync()).map(Math.abs))).toBeLessThan(1e-4);
  });

  it('gives a tensor a batch axis and leaves its values alone', () => {
    const t = tf.fill([2, 3, 1], 7);
    expect(Array.from(toModelInput(model, t, {}, 'test').dataSync())).toEqual(Array(6).fill(7));
  });

  it('resizes only when asked, and says how otherwise', () => {
    expect(() => toModelInput(model, gray(6, 4, 0), {}, 'gradCam')).toThrow(
      /gradCam: model 'tiny' takes 3x2 images \(width x height\), got 6x4.*\{ resize: true \}/,
    );
    expect(toModelInput(model, gray(6, 4, 0), { resize: true }, 'test').shape).toEqual([1, 2, 3, 1]);
  });

  it('rejects tensors of the wrong rank or channels, and empty lists', () => {
    expect(() => toModelInput(model, tf.zeros([6]), {}, 'test')).toThrow(ConvkitUsageError);
    expect(() => toModelInput(model, tf.zeros([2, 3, 3]), {}, 'test')).toThrow(
      /takes 1-channel images, the tensor has 3 channels/,
    );
    expect(() => toModelInput(model, [], {}, 'test')).toThrow(/empty list of images/);
  });
});
