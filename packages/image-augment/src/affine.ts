import type { TransformParams } from './transform-params';

/** A 3x3 matrix in row-major order, acting on (x, y, 1) column vectors. */
export type Matrix3 = [number, number, number, number, number, number, number, number, number];

const IDENTITY: Matrix3 = [1, 0, 0, 0, 1, 0, 0, 0, 1];

function multiply(a: Matrix3, b: Matrix3): Matrix3 {
  const out = new Array(9).fill(0) as Matrix3;
  for (let r = 0; r < 3; r++) {
    for (let c = 0; c < 3; c++) {
      out[3 * r + c] = a[3 * r] * b[c] + a[3 * r + 1] * b[3 + c] + a[3 * r + 2] * b[6 + c];
    }
  }
  return out;
}

/**
 * The matrix that maps each output pixel (x, y) to the input point it samples, as the latest
 * keras-preprocessing builds it: rotation . shift . shear . zoom in (x, y) order, about the
 * image's true centre ((width - 1) / 2, (height - 1) / 2), then the flips (Keras flips after
 * the warp, so they act first on output coordinates). Returns undefined for the identity.
 */
export function transformMatrix(params: TransformParams, height: number, width: number): Matrix3 | undefined {
  let m: Matrix3 | undefined;
  const then = (next: Matrix3) => {
    m = m ? multiply(m, next) : next;
  };
  if (params.theta !== 0) {
    const t = (params.theta * Math.PI) / 180;
    then([Math.cos(t), -Math.sin(t), 0, Math.sin(t), Math.cos(t), 0, 0, 0, 1]);
  }
  if (params.tx !== 0 || params.ty !== 0) then([1, 0, params.tx, 0, 1, params.ty, 0, 0, 1]);
  if (params.shear !== 0) {
    const s = (params.shear * Math.PI) / 180;
    then([1, -Math.sin(s), 0, 0, Math.cos(s), 0, 0, 0, 1]);
  }
  if (params.zx !== 1 || params.zy !== 1) then([params.zx, 0, 0, 0, params.zy, 0, 0, 0, 1]);
  let result: Matrix3 | undefined;
  if (m) {
    const cx = width / 2 - 0.5;
    const cy = height / 2 - 0.5;
    result = multiply(multiply([1, 0, cx, 0, 1, cy, 0, 0, 1], m), [1, 0, -cx, 0, 1, -cy, 0, 0, 1]);
  }
  if (params.flipHorizontal) result = multiply(result ?? IDENTITY, [-1, 0, width - 1, 0, 1, 0, 0, 0, 1]);
  if (params.flipVertical) result = multiply(result ?? IDENTITY, [1, 0, 0, 0, -1, height - 1, 0, 0, 1]);
  return result;
}

/** The 8 numbers tf.image.transform takes for a matrix: [a0, a1, a2, b0, b1, b2, 0, 0]. */
export function toTfjsTransform(m: Matrix3): number[] {
  return [m[0], m[1], m[2], m[3], m[4], m[5], m[6], m[7]];
}
