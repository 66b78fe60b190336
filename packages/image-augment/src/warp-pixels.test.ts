import { createRandom, initBackend } from '@convkit/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { applyTransformTensor } from './apply-transform';
import { FILL_MODES } from './options';
import { testPicture } from './test-support/fixtures';
import { IDENTITY_TRANSFORM, type TransformParams } from './transform-params';
import { reflectIndex, transformPixels, wrapIndex } from './warp-pixels';

const fixed: Partial<TransformParams>[] = [
  {},
  { theta: 30 },
  { theta: -73.5, tx: 3.3 },
  { tx: -40, ty: 25 },
  { shear: 25, zx: 0.8, zy: 1.25 },
  { zx: 3, zy: 0.4 },
  { zx: 12, zy: 12 },
  { flipHorizontal: true },
  { flipVertical: true, theta: 90 },
  { theta: -40, tx: 2, ty: -9, shear: 10, zx: 1.1, zy: 0.9, flipHorizontal: true },
  { theta: 12, channelShiftIntensity: 30 },
  { channelShiftIntensity: -55 },
  { theta: 12, brightness: 0.6 },
  { tx: 5, brightness: 1.4 },
];

function randomParams(seed: number): TransformParams {
  const r = createRandom(seed);
  return {
    theta: r.uniform(-180, 180),
    tx: r.uniform(-10, 10),
    ty: r.uniform(-10, 10),
    shear: r.uniform(-30, 30),
    zx: r.uniform(0.5, 1.6),
    zy: r.uniform(0.5, 1.6),
    flipHorizontal: r.uniform() < 0.5,
    flipVertical: r.uniform() < 0.5,
    channelShiftIntensity: r.uniform() < 0.3 ? r.uniform(-40, 40) : null,
    brightness: r.uniform() < 0.3 ? r.uniform(0.5, 1.5) : null,
  };
}

const cases: TransformParams[] = [
  ...fixed.map((p) => ({ ...IDENTITY_TRANSFORM, ...p })),
  ...Array.from({ length: 12 }, (_, i) => randomParams(i)),
];

/** Largest |a - b| over the values of every case, in each fill mode, for an image of `channels`. */
function worstDifference(channels: 1 | 3 | 4, scale: number): number {
  const image = testPicture(23, 17, channels, 3);
  const src = Float32Array.from(image.data, (v) => v * scale);
  const shape = [17, 23, channels] as const;
  const x = tf.tensor3d(src, [...shape]);
  let worst = 0;
  for (const fillMode of FILL_MODES) {
    const cval = fillMode === 'constant' ? 37 * scale : 0;
    for (const params of cases) {
      const expected = tf.tidy(() => applyTransformTensor(x, params, { fillMode, cval }));
      const want = expected.dataSync();
      expected.dispose();
      const got = transformPixels(src, shape, params, { fillMode, cval });
      for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
    }
  }
  x.dispose();
  return worst;
}

describe('transformPixels', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('gives exactly what applyTransform gives on cpu, in every fill mode, for 1, 3 and 4 channels (0..255 values)', () => {
    // Bit for bit: the same float32 matrix, the same bilinear arithmetic.
    for (const channels of [1, 3, 4] as const) expect(worstDifference(channels, 1)).toBe(0);
  });

  it('gives what applyTransform gives on cpu for values outside 0..255 (exactly) and rescaled ones (within 1.2e-7)', () => {
    // Brightness maps values outside 0..255 into it and back.
    expect(worstDifference(3, 2.5)).toBe(0);
    expect(worstDifference(3, 1 / 255)).toBeLessThan(1.2e-7);
  });

  it('leaves the input alone and writes into a given array, which may be the input for the identity', () => {
    const src = Float32Array.from({ length: 4 * 5 * 3 }, (_, i) => i);
    const copy = src.slice();
    const out = new Float32Array(src.length);
    const params = { ...IDENTITY_TRANSFORM, theta: 20 };
    expect(transformPixels(src, [4, 5, 3], params, { fillMode: 'nearest', cval: 0 }, out)).toBe(out);
    expect(src).toEqual(copy);
    expect(
      transformPixels(src, [4, 5, 3], IDENTITY_TRANSFORM, { fillMode: 'nearest', cval: 0 }, src),
    ).toEqual(copy);
  });

  it('says what was wrong when the shape does not match the values', () => {
    expect(() =>
      transformPixels(new Float32Array(10), [2, 2, 3], IDENTITY_TRANSFORM, { fillMode: 'nearest', cval: 0 }),
    ).toThrow(/expected 12 values for shape \[2, 2, 3\], got src 10/);
  });

  it('maps reflect and wrap indices as Keras documents (dcba|abcd|dcba, abcd|abcd|abcd)', () => {
    expect([-5, -4, -3, -2, -1, 0, 3, 4, 5, 8].map((i) => reflectIndex(i, 4))).toEqual([
      3, 3, 2, 1, 0, 0, 3, 3, 2, 0,
    ]);
    expect([-5, -1, 0, 3, 4, 9].map((i) => wrapIndex(i, 4))).toEqual([3, 3, 0, 3, 0, 1]);
  });
});
