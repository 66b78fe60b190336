import * as tf from '@tensorflow/tfjs-core';
import { ConvkitUsageError } from '../errors';
import { numberedInputs } from '../kernel-inputs';
import { ACCURACY_KERNEL, type AccuracyMode } from './accuracy';
import { ADD_SUMS_KERNEL } from './add-sums';
import { CROSSENTROPY_KERNEL, type CrossentropyAttrs, type CrossentropyMode } from './crossentropy';
import { ensureWebgpuKernels } from './register';
import { SOFTMAX_GRAD_KERNEL } from './softmax-grad';

export type { AccuracyMode, CrossentropyMode };

/**
 * Whether the active backend is tfjs-backend-webgpu, where convkit's fused training kernels run
 * (through its `runWebGPUProgram`; a backend without it gets the plain tfjs ops).
 */
export function onWebgpu(): boolean {
  return (
    tf.getBackend() === 'webgpu' &&
    typeof (tf.backend() as unknown as { runWebGPUProgram?: unknown }).runWebGPUProgram === 'function'
  );
}

/** Throws a usage error unless the kernels can run: on tfjs-backend-webgpu. */
function requireWebgpu(what: string): void {
  if (!onWebgpu()) {
    throw new ConvkitUsageError(
      `${what} runs only on the webgpu backend, and the active one is ${tf.getBackend()}: check onWebgpu() first and use tfjs ops elsewhere.`,
    );
  }
  ensureWebgpuKernels();
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
  requireWebgpu('webgpuCrossentropy');
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
  requireWebgpu('webgpuAccuracy');
  return tf.engine().runKernel(ACCURACY_KERNEL, { labels, preds }, { mode }) as tf.Tensor;
}

/**
 * Softmax's gradient along the last axis, y (dy - sum(dy y)), from its output `y` and the
 * incoming gradient `dy`, in one WebGPU dispatch (4 as tfjs ops). Only on the webgpu backend.
 */
export function webgpuSoftmaxGrad(y: tf.Tensor, dy: tf.Tensor): tf.Tensor {
  if (!tf.util.arraysEqual(y.shape, dy.shape) || y.rank === 0) {
    throw new ConvkitUsageError(
      `webgpuSoftmaxGrad: y [${y.shape}] and dy [${dy.shape}] must have the same shape, rank 1 or more.`,
    );
  }
  requireWebgpu('webgpuSoftmaxGrad');
  return tf.engine().runKernel(SOFTMAX_GRAD_KERNEL, { y, dy }) as tf.Tensor;
}

/**
 * `sums` (shape [k]) plus the sum of each of the k tensors in `values`, in one WebGPU dispatch
 * (k + 2 as tfjs ops): running totals of per-sample losses and metrics. The values all have the
 * same size. Only on the webgpu backend.
 */
export function webgpuAddSums(sums: tf.Tensor, values: readonly tf.Tensor[]): tf.Tensor {
  const size = values[0]?.size;
  if (sums.rank !== 1 || sums.shape[0] !== values.length || values.some((v) => v.size !== size)) {
    throw new ConvkitUsageError(
      `webgpuAddSums: expected sums of shape [k] and k values of one size; found sums [${sums.shape}] and ${values.length} values of sizes ${values.map((v) => v.size).join(', ')}.`,
    );
  }
  requireWebgpu('webgpuAddSums');
  return tf.engine().runKernel(ADD_SUMS_KERNEL, { sums, ...numberedInputs(values) }) as tf.Tensor;
}
