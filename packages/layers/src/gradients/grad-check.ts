import * as tf from '@tensorflow/tfjs-core';

/**
 * Central finite differences of a scalar function at `x` (test helper, not exported by the
 * package): element i of the result is (f(x + eps e_i) - f(x - eps e_i)) / 2 eps.
 */
export function numericGradient(f: (x: tf.Tensor) => tf.Scalar, x: tf.Tensor, eps = 1e-2): Float32Array {
  const base = Float32Array.from(x.dataSync());
  const out = new Float32Array(base.length);
  const at = (values: Float32Array) =>
    tf.tidy(() => {
      const s = f(tf.tensor(values, x.shape));
      return s.dataSync()[0];
    });
  for (let i = 0; i < base.length; i++) {
    const v = base[i];
    base[i] = v + eps;
    const up = at(base);
    base[i] = v - eps;
    const down = at(base);
    base[i] = v;
    out[i] = (up - down) / (2 * eps);
  }
  return out;
}

/** max |a - b| / max(1, max |b|): the relative error of an analytic gradient against a numeric one. */
export function relativeError(analytic: ArrayLike<number>, numeric: ArrayLike<number>): number {
  let maxDiff = 0;
  let scale = 1;
  for (let i = 0; i < numeric.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(analytic[i] - numeric[i]));
    scale = Math.max(scale, Math.abs(numeric[i]));
  }
  return maxDiff / scale;
}

/** Analytic (tf.grad) and numeric gradients of `f` at `x`, and their relative error. */
export function checkGradient(f: (x: tf.Tensor) => tf.Scalar, x: tf.Tensor, eps = 1e-2): number {
  const g = tf.tidy(() => tf.grad(f)(x));
  const analytic = g.dataSync().slice();
  g.dispose();
  return relativeError(analytic, numericGradient(f, x, eps));
}
