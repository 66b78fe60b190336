import { createRandom } from '@convkit/tensor';
import { describe, expect, it } from 'vitest';
import { ImageDataGenerator } from './image-data-generator';
import type { ImageDataGeneratorOptions } from './options';
import { pythonMissing, runPython } from './test-support/python';
import type { TransformParams } from './transform-params';

const N = 4000;
const SHAPE = [120, 160, 3] as const;

function draw(options: ImageDataGeneratorOptions, n = N, seed = 1): TransformParams[] {
  const generator = new ImageDataGenerator(options, { onWarning: () => {} });
  const rng = createRandom(seed);
  return Array.from({ length: n }, () => generator.randomTransform(SHAPE, rng));
}

/** Two-sample Kolmogorov-Smirnov statistic: the largest gap between the two empirical CDFs. */
function ks(a: number[], b: number[]): number {
  const x = [...a].sort((p, q) => p - q);
  const y = [...b].sort((p, q) => p - q);
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < x.length && j < y.length) {
    const v = Math.min(x[i], y[j]);
    while (i < x.length && x[i] <= v) i++;
    while (j < y.length && y[j] <= v) j++;
    d = Math.max(d, Math.abs(i / x.length - j / y.length));
  }
  return d;
}

const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;

describe('randomTransform draws what Keras describes', () => {
  it('uniform rotation, shear, fractional shifts (times the size), zoom, channel shift and brightness within their ranges', () => {
    const p = draw({
      rotationRange: 40,
      widthShiftRange: 0.2,
      heightShiftRange: 0.1,
      shearRange: 20,
      zoomRange: [0.7, 1.2],
      channelShiftRange: 30,
      brightnessRange: [0.5, 1.5],
    });
    const check = (values: number[], lo: number, hi: number) => {
      expect(Math.min(...values)).toBeGreaterThanOrEqual(lo);
      expect(Math.max(...values)).toBeLessThan(hi);
      // Uniform: the mean is the middle, a quarter of the draws fall in each quarter of the range.
      expect(Math.abs(mean(values) - (lo + hi) / 2)).toBeLessThan((hi - lo) * 0.02);
      const quarter = values.filter((v) => v < lo + (hi - lo) / 4).length / values.length;
      expect(Math.abs(quarter - 0.25)).toBeLessThan(0.03);
    };
    check(
      p.map((t) => t.theta),
      -40,
      40,
    );
    check(
      p.map((t) => t.tx),
      -0.2 * 160,
      0.2 * 160,
    ); // width shift: horizontal, fraction of the width
    check(
      p.map((t) => t.ty),
      -0.1 * 120,
      0.1 * 120,
    ); // height shift: vertical, fraction of the height
    check(
      p.map((t) => t.shear),
      -20,
      20,
    );
    check(
      p.map((t) => t.zx),
      0.7,
      1.2,
    );
    check(
      p.map((t) => t.zy),
      0.7,
      1.2,
    );
    check(
      p.map((t) => t.channelShiftIntensity as number),
      -30,
      30,
    );
    check(
      p.map((t) => t.brightness as number),
      0.5,
      1.5,
    );
    // zx and zy are drawn independently.
    const zx = p.map((t) => t.zx);
    const zy = p.map((t) => t.zy);
    const cov = mean(zx.map((v, i) => (v - mean(zx)) * (zy[i] - mean(zy))));
    expect(
      Math.abs(
        cov /
          (Math.sqrt(mean(zx.map((v) => (v - mean(zx)) ** 2))) *
            Math.sqrt(mean(zy.map((v) => (v - mean(zy)) ** 2)))),
      ),
    ).toBeLessThan(0.05);
  });

  it('integer and list shifts: whole pixels with a random sign', () => {
    const p = draw({ widthShiftRange: 5, heightShiftRange: [2, 7] });
    const tx = p.map((t) => t.tx);
    expect(tx.every((v) => Number.isInteger(v) && Math.abs(v) <= 4)).toBe(true);
    expect(new Set(tx.map(Math.abs))).toEqual(new Set([0, 1, 2, 3, 4]));
    const ty = p.map((t) => t.ty);
    expect(new Set(ty)).toEqual(new Set([-7, -2, 2, 7]));
    // Fractions in a list are fractions of the size.
    const f = draw({ widthShiftRange: [0.1, 0.25] }, 200).map((t) => Math.abs(t.tx));
    expect(new Set(f)).toEqual(new Set([0.1 * 160, 0.25 * 160]));
    // A non-integer of 1 or more is a pixel range.
    const px = draw({ heightShiftRange: 3.5 }, 2000).map((t) => t.ty);
    expect(Math.max(...px.map(Math.abs))).toBeLessThan(3.5);
    expect(px.some((v) => !Number.isInteger(v))).toBe(true);
  });

  it('flips half the time when enabled, never when not; no zoom draw for [1, 1]; null shifts and brightness when off', () => {
    const p = draw({ horizontalFlip: true });
    expect(Math.abs(p.filter((t) => t.flipHorizontal).length / N - 0.5)).toBeLessThan(0.03);
    expect(p.some((t) => t.flipVertical)).toBe(false);
    const q = draw({}, 10);
    for (const t of q) {
      expect(t).toEqual({
        theta: 0,
        tx: 0,
        ty: 0,
        shear: 0,
        zx: 1,
        zy: 1,
        flipHorizontal: false,
        flipVertical: false,
        channelShiftIntensity: null,
        brightness: null,
      });
    }
  });

  it('is repeatable from a seed and rejects a bad shape', () => {
    const g = new ImageDataGenerator({ rotationRange: 30, zoomRange: 0.3 });
    expect(g.randomTransform(SHAPE, 42)).toEqual(g.randomTransform(SHAPE, 42));
    expect(g.randomTransform(SHAPE, 42)).not.toEqual(g.randomTransform(SHAPE, 43));
    expect(() => g.randomTransform([10, 10])).toThrow(/\[height, width, channels\], got \[10, 10\]/);
  });

  const missing = pythonMissing(['numpy', 'keras_preprocessing.image']);
  it.skipIf(missing)(
    `has the same distributions as Keras's get_random_transform (two-sample KS)${missing ? ` (skipped: ${missing})` : ''}`,
    () => {
      const options = {
        rotationRange: 40,
        widthShiftRange: 0.2,
        heightShiftRange: 3,
        shearRange: 20,
        zoomRange: 0.25,
        horizontalFlip: true,
        verticalFlip: true,
        channelShiftRange: 30,
        brightnessRange: [0.5, 1.5] as [number, number],
      };
      // Keras's tx comes from height_shift_range and ty from width_shift_range; with the matrix in
      // (x, y) order the latest Keras would shift the wrong way, so this package follows the
      // documentation (tx horizontal from widthShiftRange): compare our tx with Keras's ty.
      const keras = runPython<Record<string, number[]>>(`
import json, numpy as np
from keras_preprocessing.image import ImageDataGenerator
g = ImageDataGenerator(rotation_range=40, width_shift_range=0.2, height_shift_range=3, shear_range=20,
    zoom_range=0.25, horizontal_flip=True, vertical_flip=True, channel_shift_range=30, brightness_range=[0.5, 1.5])
np.random.seed(0)
ps = [g.get_random_transform((${SHAPE.join(', ')})) for _ in range(${N})]
keys = ['theta', 'tx', 'ty', 'shear', 'zx', 'zy', 'flip_horizontal', 'flip_vertical', 'channel_shift_intensity', 'brightness']
print(json.dumps({k: [float(p[k]) for p in ps] for k in keys}))`);
      const ours = draw(options);
      const pairs: [string, number[], number[]][] = [
        ['theta', ours.map((t) => t.theta), keras.theta],
        ['tx (width shift)', ours.map((t) => t.tx), keras.ty],
        ['ty (height shift)', ours.map((t) => t.ty), keras.tx],
        ['shear', ours.map((t) => t.shear), keras.shear],
        ['zx', ours.map((t) => t.zx), keras.zx],
        ['zy', ours.map((t) => t.zy), keras.zy],
        ['flipHorizontal', ours.map((t) => Number(t.flipHorizontal)), keras.flip_horizontal],
        ['flipVertical', ours.map((t) => Number(t.flipVertical)), keras.flip_vertical],
        [
          'channelShiftIntensity',
          ours.map((t) => t.channelShiftIntensity as number),
          keras.channel_shift_intensity,
        ],
        ['brightness', ours.map((t) => t.brightness as number), keras.brightness],
      ];
      // Critical value of the two-sample KS test at alpha = 0.001 for n = m = N.
      const critical = 1.95 * Math.sqrt(2 / N);
      const failures = pairs
        .map(([name, a, b]) => [name, ks(a, b)] as const)
        .filter(([, d]) => d > critical)
        .map(([name, d]) => `${name}: KS ${d.toFixed(4)} > ${critical.toFixed(4)}`);
      expect(failures).toEqual([]);
    },
  );
});
