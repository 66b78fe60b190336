import { type AccuracyMode, fusedAccuracy, fusedKernelBackend } from '@convkit/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { usageError } from '../core/errors';
import type { Loss } from './losses';

/** A metric: per-sample values (shape [batch]) averaged over an epoch, logged under `name`. */
export interface Metric {
  /** The key in logs and history: the name the user gave ('acc' or 'accuracy'). */
  readonly name: string;
  /** Per-sample values from prepared labels and predictions. */
  perSample(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor;
}

type PerSample = (t: tf.Tensor, p: tf.Tensor) => tf.Tensor;

/** On webgpu and webgl, for predictions [batch, units], one fused kernel (the same values) instead of ~5 ops. */
const fusedOnGpu =
  (mode: AccuracyMode, ops: PerSample): PerSample =>
  (t, p) =>
    fusedKernelBackend() && p.rank === 2 ? fusedAccuracy(mode, t, p) : ops(t, p);

const binaryAccuracy = fusedOnGpu('binary', (t, p) =>
  tf.mean(tf.cast(tf.equal(t, tf.cast(tf.greater(p, 0.5), 'float32')), 'float32'), -1),
);
const categoricalAccuracy = fusedOnGpu('categorical', (t, p) =>
  tf.cast(tf.equal(tf.argMax(t, -1), tf.argMax(p, -1)), 'float32'),
);
const sparseCategoricalAccuracy = fusedOnGpu('sparse', (t, p) =>
  tf.cast(tf.equal(tf.cast(t, 'int32'), tf.argMax(p, -1)), 'float32'),
);

/**
 * Resolves a metric name. 'accuracy'/'acc' pick the accuracy Keras picks for the loss: binary
 * for binary_crossentropy (or one output unit), sparse categorical for
 * sparse_categorical_crossentropy, categorical otherwise.
 */
export function getMetric(name: string, loss: Loss, outputUnits: number | null): Metric {
  let f: PerSample;
  switch (name) {
    case 'accuracy':
    case 'acc':
      if (loss.kerasName === 'binary_crossentropy' || outputUnits === 1) f = binaryAccuracy;
      else if (loss.kerasName === 'sparse_categorical_crossentropy') f = sparseCategoricalAccuracy;
      else f = categoricalAccuracy;
      break;
    case 'binary_accuracy':
      f = binaryAccuracy;
      break;
    case 'categorical_accuracy':
      f = categoricalAccuracy;
      break;
    case 'sparse_categorical_accuracy':
      f = sparseCategoricalAccuracy;
      break;
    default:
      return usageError(
        `Unknown metric '${name}'; expected 'accuracy' (or 'acc'), 'binary_accuracy', 'categorical_accuracy' or 'sparse_categorical_accuracy'.`,
      );
  }
  return { name, perSample: f };
}
