import * as tf from '@tensorflow/tfjs-core';
import { ConvkitUsageError } from '../errors';
import { ACCURACY_KERNEL, type AccuracyMode } from './accuracy';
import { CROSSENTROPY_KERNEL, type CrossentropyAttrs, type CrossentropyMode } from './crossentropy';
import { ensureWebgpuKernels } from './register';

export type { AccuracyMode, CrossentropyMode };

/** Whether the active backend is webgpu, where convkit's fused training kernels run. */
export function onWebgpu(): boolean {
  return tf.getBackend() === 'webgpu';
}

function checkRows(what: string, labels: tf.Tensor, preds: tf.Tensor, sparse: boolean): void {
  const ok =
    preds.rank === 2 &&
    preds.dtype === 'float32' &&
    (sparse
      ? labels.rank === 1 && labels.shape[0] === preds.shape[0]
      : tf.util.arraysEqual(labels.shape, preds.shape));
  if (!ok) {
    throw new ConvkitUsageError(
      `${what}: expected float32 predictions [batch, units] and labels ${sparse ? '[batch]' : 'of the same shape'}; found [${preds.shape}] ${preds.dtype} and [${labels.shape}].`,
    );
  }
}

/**
 * Keras's crossentropy per sample (shape [batch]) in one WebGPU dispatch, and its gradient with
 * respect to `preds` in one more: what ~7 and ~25 tfjs ops compute. Predictions are [batch,
 * units]; labels one-hot ('categorical'), class indices [batch] ('sparse') or 0/1 ('binary').
 * Only on the webgpu backend (see `onWebgpu`).
 */
export function webgpuCrossentropy(
  mode: CrossentropyMode,
  labels: tf.Tensor,
  preds: tf.Tensor,
  epsilon: number,
): tf.Tensor {
  checkRows('webgpuCrossentropy', labels, preds, mode === 'sparse');
  ensureWebgpuKernels();
  const attrs: CrossentropyAttrs = { mode, epsilon };
  return tf
    .engine()
    .runKernel(CROSSENTROPY_KERNEL, { labels, preds }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
}

/**
 * Keras's accuracy per sample (shape [batch]) in one WebGPU dispatch: argmax of labels and
 * predictions equal ('categorical'), class index equal to the argmax ('sparse'), or the share of
 * units where the label equals p > 0.5 ('binary'). Only on the webgpu backend.
 */
export function webgpuAccuracy(mode: AccuracyMode, labels: tf.Tensor, preds: tf.Tensor): tf.Tensor {
  checkRows('webgpuAccuracy', labels, preds, mode === 'sparse');
  ensureWebgpuKernels();
  return tf.engine().runKernel(ACCURACY_KERNEL, { labels, preds }, { mode }) as tf.Tensor;
}
