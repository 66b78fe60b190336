import * as tf from '@tensorflow/tfjs-core';
import type { ResolvedOptions } from './options';

/** Data-set statistics learned by `fit` (plain numbers, so they outlive any tensor). */
export interface FittedStatistics {
  /** Per-channel mean, or undefined when featurewiseCenter is off. */
  mean?: number[];
  /** Per-channel standard deviation, or undefined when featurewiseStdNormalization is off. */
  std?: number[];
  /** ZCA whitening: x -> ((x . basis) * scale) . basis^T over the flattened image. */
  zca?: { basis: Float32Array; scale: Float32Array; features: number; components: number };
}

/**
 * Keras's standardize for one image (already augmented, 0-255 values): preprocessingFunction,
 * rescale, samplewise centring and std normalisation (over all the image's values, std + 1e-6),
 * featurewise centring and std normalisation (per channel, from fit), ZCA whitening.
 * `warnOnce` receives Keras's warnings for featurewise options used before fit.
 */
export function standardizeImage(
  x: tf.Tensor3D,
  options: ResolvedOptions,
  stats: FittedStatistics,
  warnOnce: (key: string, message: string) => void,
): tf.Tensor3D {
  return tf.tidy(() => {
    let out = x;
    if (options.preprocessingFunction) {
      out = options.preprocessingFunction(out);
      if (!(out instanceof tf.Tensor) || out.shape.join() !== x.shape.join()) {
        throw new Error(
          `preprocessingFunction must return a tensor of the image's shape [${x.shape.join(', ')}], got ${out instanceof tf.Tensor ? `[${out.shape.join(', ')}]` : typeof out}.`,
        );
      }
      out = tf.cast(out, 'float32');
    }
    if (options.rescale) out = tf.mul(out, options.rescale);
    if (options.samplewiseCenter) out = tf.sub(out, tf.mean(out));
    if (options.samplewiseStdNormalization) {
      const { variance } = tf.moments(out);
      out = tf.div(out, tf.add(tf.sqrt(variance), 1e-6));
    }
    if (options.featurewiseCenter) {
      if (stats.mean) out = tf.sub(out, tf.tensor1d(stats.mean));
      else warnOnce('mean', notFitted('featurewiseCenter'));
    }
    if (options.featurewiseStdNormalization) {
      if (stats.std) out = tf.div(out, tf.add(tf.tensor1d(stats.std), 1e-6));
      else warnOnce('std', notFitted('featurewiseStdNormalization'));
    }
    if (options.zcaWhitening) {
      if (stats.zca) out = applyZca(out, stats.zca);
      else warnOnce('zca', notFitted('zcaWhitening'));
    }
    return out === x ? tf.clone(x) : (out as tf.Tensor3D);
  });
}

function notFitted(option: string): string {
  return `This ImageDataGenerator specifies ${option}, but it has not been fit on any training data. Fit it first by calling generator.fit(x).`;
}

function applyZca(x: tf.Tensor3D, zca: NonNullable<FittedStatistics['zca']>): tf.Tensor3D {
  const flat = tf.reshape(x, [1, zca.features]);
  const basis = tf.tensor2d(zca.basis, [zca.features, zca.components]);
  const projected = tf.mul(tf.matMul(flat, basis), tf.tensor1d(zca.scale));
  return tf.reshape(tf.matMul(projected, basis, false, true), x.shape) as tf.Tensor3D;
}
