import { ConvkitUsageError, readSyncOrAsync } from '@convkit/tensor';
import * as tf from '@tensorflow/tfjs-core';
import type { ResolvedOptions } from './options';
import type { FittedStatistics } from './standardize';

/** The largest min(samples, features) ZCA whitening will decompose (an n x n eigenproblem in JavaScript). */
export const MAX_ZCA_RANK = 1024;

/**
 * Keras's fit: from a [n, h, w, c] batch of (already rescaled and, with `augment`, augmented)
 * images, the per-channel mean, the per-channel std of the centred data and the ZCA whitening
 * basis, for the options that need them, as plain numbers. Computes on the backend, then reads
 * what it needs in one go: at once where the backend can read synchronously (and returns the
 * statistics), else as a promise of them (the webgpu backend in node).
 */
export function fitStatistics(
  x: tf.Tensor4D,
  options: ResolvedOptions,
): FittedStatistics | Promise<FittedStatistics> {
  const [n, height, width, channels] = x.shape;
  const features = height * width * channels;
  if (options.zcaWhitening && Math.min(n, features) > MAX_ZCA_RANK) {
    throw new ConvkitUsageError(
      `zcaWhitening: fit got ${n} images of ${features} values; ZCA needs an eigendecomposition of size min(n, d) = ${Math.min(n, features)}, more than the ${MAX_ZCA_RANK} supported. Fit on at most ${MAX_ZCA_RANK} images or smaller images.`,
    );
  }
  const { mean, std, flat } = tf.tidy(() => {
    const out: { mean?: tf.Tensor; std?: tf.Tensor; flat?: tf.Tensor } = {};
    let centred: tf.Tensor = x;
    if (options.featurewiseCenter) {
      out.mean = tf.mean(centred, [0, 1, 2]);
      centred = tf.sub(centred, out.mean);
    }
    if (options.featurewiseStdNormalization) {
      out.std = tf.sqrt(tf.moments(centred, [0, 1, 2]).variance);
      centred = tf.div(centred, tf.add(out.std, 1e-6));
    }
    if (options.zcaWhitening) out.flat = tf.reshape(centred, [n, features]);
    return out;
  });
  const tensors = [mean, std, flat].filter((t): t is tf.Tensor => t !== undefined);
  const statistics = (values: tf.TypedArray[]): FittedStatistics => {
    const next = () => values.shift()!;
    return {
      ...(mean && { mean: Array.from(next()) }),
      ...(std && { std: Array.from(next()) }),
      ...(flat && { zca: zcaBasis(next(), n, features, options.zcaEpsilon) }),
    };
  };
  let values: tf.TypedArray[] | Promise<tf.TypedArray[]>;
  try {
    values = readSyncOrAsync(tensors);
  } catch (error) {
    tf.dispose(tensors);
    throw error;
  }
  if (values instanceof Promise) return values.finally(() => tf.dispose(tensors)).then(statistics);
  tf.dispose(tensors);
  return statistics(values);
}

/**
 * Keras computes u, s = svd(flat.T) and whitens with (u * sqrt(n) / (s + eps)) . u^T. This finds
 * the same u and s from the smaller of the Gram matrix (n x n) and the covariance (d x d) of the
 * n x d values `flatValues` with a Jacobi eigensolver, keeping components whose singular value
 * exceeds 1e-6 of the largest (the others are numerically arbitrary directions that Keras would
 * blow up by 1/eps).
 */
function zcaBasis(
  flatValues: tf.TypedArray,
  n: number,
  d: number,
  epsilon: number,
): NonNullable<FittedStatistics['zca']> {
  const flat = Float64Array.from(flatValues);
  const useGram = n <= d;
  const size = useGram ? n : d;
  // Symmetric matrix A = flat . flat^T (n x n) or flat^T . flat (d x d).
  const a = new Float64Array(size * size);
  for (let i = 0; i < size; i++) {
    for (let j = i; j < size; j++) {
      let sum = 0;
      if (useGram) for (let k = 0; k < d; k++) sum += flat[i * d + k] * flat[j * d + k];
      else for (let k = 0; k < n; k++) sum += flat[k * d + i] * flat[k * d + j];
      a[i * size + j] = sum;
      a[j * size + i] = sum;
    }
  }
  const { values, vectors } = jacobiEigen(a, size);
  const order = Array.from(values.keys()).sort((p, q) => values[q] - values[p]);
  const sMax = Math.sqrt(Math.max(values[order[0]], 0));
  const kept = order.filter((k) => Math.sqrt(Math.max(values[k], 0)) > 1e-6 * sMax);
  const basis = new Float32Array(d * kept.length);
  const scale = new Float32Array(kept.length);
  kept.forEach((k, c) => {
    const s = Math.sqrt(values[k]);
    scale[c] = Math.sqrt(n) / (s + epsilon);
    for (let f = 0; f < d; f++) {
      let u: number;
      if (useGram) {
        // u = flat^T v / s
        let sum = 0;
        for (let i = 0; i < n; i++) sum += flat[i * d + f] * vectors[i * size + k];
        u = sum / s;
      } else {
        u = vectors[f * size + k];
      }
      basis[f * kept.length + c] = u;
    }
  });
  return { basis, scale, features: d, components: kept.length };
}

/** Eigenvalues and eigenvectors (columns of a row-major matrix) of a symmetric matrix, cyclic Jacobi. */
export function jacobiEigen(
  matrix: Float64Array,
  n: number,
): { values: Float64Array; vectors: Float64Array } {
  const a = Float64Array.from(matrix);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    let total = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        const x = a[i * n + j] * a[i * n + j];
        total += x;
        if (i !== j) off += x;
      }
    }
    if (off <= 1e-22 * total || off === 0) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q];
        if (apq === 0) continue;
        const theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p];
          const akq = a[k * n + q];
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k];
          const aqk = a[q * n + k];
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p];
          const vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = a[i * n + i];
  return { values, vectors: v };
}
