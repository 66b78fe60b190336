import { fusedCrossentropy, fusedKernelBackend } from '@convkit/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { usageError } from '../core/errors';
import { formatShape } from '../core/shape';

/** Keras's fuzz factor, K.epsilon(). */
export const EPSILON = 1e-7;

/** Loss names compile() accepts (Keras's strings). */
export type LossName =
  | 'binary_crossentropy'
  | 'categorical_crossentropy'
  | 'sparse_categorical_crossentropy'
  | 'mean_squared_error'
  | 'mse'
  | 'mean_absolute_error'
  | 'mae';

/** A loss: per-sample values (shape [batch]) from labels and predictions, plus a label check. */
export interface Loss {
  /** The name the user gave. */
  readonly name: string;
  /** Keras's canonical name ('categorical_crossentropy'). */
  readonly kerasName: string;
  /** Throws when labels cannot go with predictions of this shape; returns the labels as the loss wants them. */
  prepareLabels(y: tf.Tensor, predShape: readonly (number | null)[]): tf.Tensor;
  /** Per-sample losses, shape [batch]. */
  perSample(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor;
}

function mismatch(loss: string, expected: string, y: tf.Tensor, hint: string): never {
  return usageError(
    `Loss '${loss}' expects labels ${expected}; found labels of shape ${formatShape(y.shape)}. ${hint}`,
  );
}

/**
 * Whether a crossentropy runs as convkit's fused GPU kernels (one dispatch or draw forward, one
 * backward) rather than as tfjs ops: on webgpu and webgl, for predictions [batch, units]. Both
 * compute the same formulas.
 */
const fused = (p: tf.Tensor) => fusedKernelBackend() !== undefined && p.rank === 2;

const sameShape = (a: readonly (number | null)[], b: readonly number[]) =>
  a.length === b.length && a.every((d, i) => i === 0 || d === null || d === b[i]);

/** Keras binary_crossentropy: clip to [eps, 1 - eps], then -mean(t log(p + eps) + (1 - t) log(1 - p + eps)) over the last axis. */
function binary(name: string): Loss {
  return {
    name,
    kerasName: 'binary_crossentropy',
    prepareLabels(y, predShape) {
      if (sameShape(predShape, y.shape)) return y;
      if (predShape.length === 2 && predShape[1] === 1 && y.rank === 1) return tf.reshape(y, [y.shape[0], 1]);
      return mismatch(
        name,
        `of the model's output shape ${formatShape(predShape)} (or (batch,) for one sigmoid unit)`,
        y,
        'For integer class labels with a softmax output use sparse_categorical_crossentropy.',
      );
    },
    perSample(t, p) {
      if (fused(p)) return fusedCrossentropy('binary', t, p, EPSILON);
      const pc = tf.clipByValue(p, EPSILON, 1 - EPSILON);
      const ll = tf.add(
        tf.mul(t, tf.log(tf.add(pc, EPSILON))),
        tf.mul(tf.sub(1, t), tf.log(tf.add(tf.sub(1, pc), EPSILON))),
      );
      return tf.neg(tf.mean(ll, -1));
    },
  };
}

/** Keras categorical_crossentropy: normalise p to sum 1, clip to [eps, 1 - eps], then -sum(t log p). */
function categorical(name: string): Loss {
  return {
    name,
    kerasName: 'categorical_crossentropy',
    prepareLabels(y, predShape) {
      if (sameShape(predShape, y.shape)) return y;
      return mismatch(
        name,
        `one-hot encoded like the model's output ${formatShape(predShape)}`,
        y,
        y.rank === 1 || (y.rank === 2 && y.shape[1] === 1)
          ? 'These look like integer class labels: use sparse_categorical_crossentropy, or one-hot encode them (tf.oneHot).'
          : 'Check the number of classes of the last layer.',
      );
    },
    perSample(t, p) {
      if (fused(p)) return fusedCrossentropy('categorical', t, p, EPSILON);
      const normalised = tf.div(p, tf.sum(p, -1, true));
      const pc = tf.clipByValue(normalised, EPSILON, 1 - EPSILON);
      return tf.neg(tf.sum(tf.mul(t, tf.log(pc)), -1));
    },
  };
}

/** Keras sparse_categorical_crossentropy: clip p to [eps, 1 - eps], then -log(p[label] / sum(p)). */
function sparse(name: string): Loss {
  return {
    name,
    kerasName: 'sparse_categorical_crossentropy',
    prepareLabels(y, predShape) {
      const ok = y.rank === 1 || (y.rank === 2 && y.shape[1] === 1);
      if (!ok || predShape.length !== 2) {
        return mismatch(
          name,
          `as integer class indices of shape (batch,) or (batch, 1) for a model output of shape (batch, classes); the model's output is ${formatShape(predShape)}`,
          y,
          y.rank === 2 ? 'These look one-hot encoded: use categorical_crossentropy.' : '',
        );
      }
      return y.rank === 1 ? y : tf.reshape(y, [y.shape[0]]);
    },
    perSample(t, p) {
      if (fused(p)) return fusedCrossentropy('sparse', t, p, EPSILON);
      const classes = p.shape[p.rank - 1];
      const pc = tf.clipByValue(p, EPSILON, 1 - EPSILON);
      const oneHot = tf.oneHot(tf.cast(t, 'int32') as tf.Tensor1D, classes);
      const picked = tf.sum(tf.mul(oneHot, pc), -1);
      return tf.sub(tf.log(tf.sum(pc, -1)), tf.log(picked));
    },
  };
}

function regression(name: string, kerasName: string, f: (d: tf.Tensor) => tf.Tensor): Loss {
  return {
    name,
    kerasName,
    prepareLabels(y, predShape) {
      if (sameShape(predShape, y.shape)) return y;
      if (predShape.length === 2 && predShape[1] === 1 && y.rank === 1) return tf.reshape(y, [y.shape[0], 1]);
      return mismatch(name, `of the model's output shape ${formatShape(predShape)}`, y, '');
    },
    perSample: (t, p) => tf.mean(f(tf.sub(p, t)), -1),
  };
}

/** Resolves a loss name (Keras strings; camelCase accepted) to a Loss. */
export function getLoss(name: string): Loss {
  const key = name.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
  switch (key) {
    case 'binary_crossentropy':
      return binary(name);
    case 'categorical_crossentropy':
      return categorical(name);
    case 'sparse_categorical_crossentropy':
      return sparse(name);
    case 'mean_squared_error':
    case 'mse':
      return regression(name, 'mean_squared_error', tf.square);
    case 'mean_absolute_error':
    case 'mae':
      return regression(name, 'mean_absolute_error', tf.abs);
    default:
      return usageError(
        `Unknown loss '${name}'; expected binary_crossentropy, categorical_crossentropy, sparse_categorical_crossentropy, mean_squared_error or mean_absolute_error.`,
      );
  }
}
