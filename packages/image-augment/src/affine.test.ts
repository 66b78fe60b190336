import { describe, expect, it } from 'vitest';
import { type Matrix3, transformMatrix } from './affine';
import { IDENTITY_TRANSFORM } from './transform-params';

const apply = (m: Matrix3, x: number, y: number) => [m[0] * x + m[1] * y + m[2], m[3] * x + m[4] * y + m[5]];

describe('transformMatrix', () => {
  it('is undefined for the identity', () => {
    expect(transformMatrix(IDENTITY_TRANSFORM, 10, 20)).toBeUndefined();
  });

  it('rotates and zooms about the true centre ((w - 1) / 2, (h - 1) / 2)', () => {
    const m = transformMatrix(
      { ...IDENTITY_TRANSFORM, theta: 33, zx: 1.3, zy: 0.7, shear: 12 },
      10,
      20,
    ) as Matrix3;
    const [x, y] = apply(m, 9.5, 4.5);
    expect(x).toBeCloseTo(9.5, 12);
    expect(y).toBeCloseTo(4.5, 12);
  });

  it('samples x + tx, y + ty for a shift (so content moves by -tx, -ty), in (x, y) order', () => {
    const m = transformMatrix({ ...IDENTITY_TRANSFORM, tx: 3, ty: -2 }, 10, 20) as Matrix3;
    expect(apply(m, 0, 0)).toEqual([3, -2]);
  });

  it('a 90 degree rotation maps the output x axis onto the input y axis', () => {
    const m = transformMatrix({ ...IDENTITY_TRANSFORM, theta: 90 }, 11, 11) as Matrix3;
    const [x, y] = apply(m, 6, 5); // one step right of the centre (5, 5)
    expect(x).toBeCloseTo(5, 12);
    expect(y).toBeCloseTo(6, 12); // samples one step below the centre
  });

  it('flips after the warp: the flip acts first on output coordinates', () => {
    const flip = transformMatrix(
      { ...IDENTITY_TRANSFORM, flipHorizontal: true, flipVertical: true },
      10,
      20,
    ) as Matrix3;
    expect(apply(flip, 0, 0)).toEqual([19, 9]);
    const m = transformMatrix({ ...IDENTITY_TRANSFORM, tx: 3, flipHorizontal: true }, 10, 20) as Matrix3;
    expect(apply(m, 0, 0)).toEqual([22, 0]);
  });
});
