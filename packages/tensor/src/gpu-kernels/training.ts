import * as tf from '@tensorflow/tfjs-core';
import { ConvkitUsageError } from '../errors';
import { numberedInputs } from '../kernel-inputs';
import { fusedKernelBackend } from './active-gpu';
import {
  ACCURACY_KERNEL,
  type AccuracyMode,
  ADD_SUMS_KERNEL,
  CROSSENTROPY_KERNEL,
  type CrossentropyAttrs,
  type CrossentropyMode,
  SOFTMAX_GRAD_KERNEL,
} from './kernel-names';
import { ensureFusedKernels } from './register';

/** Throws a usage error unless the kernels can run: on tfjs-backend-webgpu or -webgl. */
function requireGpu(what: string): void {
  const backend = fusedKernelBackend();
  if (!backend) {
    throw new ConvkitUsageError(
      `${what} runs only on the webgpu and webgl backends, and the active one is ${tf.getBackend()}: check fusedKernelBackend() first and use tfjs ops elsewhere.`,
    );
  }
  ensureFusedKernels(backend);
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
 * Keras's crossentropy per sample (shape [batch]) in one GPU kernel, and its gradient with
 * respect to `preds` in one more: what ~7 and ~25 tfjs ops compute. Predictions are [batch,
 * units]; labels one-hot ('categorical'), class indices [batch] ('sparse') or 0/1 ('binary').
 * On the webgpu and webgl backends (see `fusedKernelBackend`).
 */
export function fusedCrossentropy(
  mode: CrossentropyMode,
  labels: tf.Tensor,
  preds: tf.Tensor,
  epsilon: number,
): tf.Tensor {
  checkRows('fusedCrossentropy', labels, preds, mode === 'sparse');
  requireGpu('fusedCrossentropy');
  const attrs: CrossentropyAttrs = { mode, epsilon };
  return tf
    .engine()
    .runKernel(CROSSENTROPY_KERNEL, { labels, preds }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
}

/**
 * Keras's accuracy per sample (shape [batch]) in one GPU kernel: argmax of labels and
 * predictions equal ('categorical'), class index equal to the argmax ('sparse'), or the share of
 * units where the label equals p > 0.5 ('binary'). On the webgpu and webgl backends.
 */
export function fusedAccuracy(mode: AccuracyMode, labels: tf.Tensor, preds: tf.Tensor): tf.Tensor {
  checkRows('fusedAccuracy', labels, preds, mode === 'sparse');
  requireGpu('fusedAccuracy');
  return tf.engine().runKernel(ACCURACY_KERNEL, { labels, preds }, { mode }) as tf.Tensor;
}

/**
 * Softmax's gradient along the last axis, y (dy - sum(dy y)), from its output `y` and the
 * incoming gradient `dy`, in one GPU kernel (4 as tfjs ops). On the webgpu and webgl backends.
 */
export function fusedSoftmaxGrad(y: tf.Tensor, dy: tf.Tensor): tf.Tensor {
  if (!tf.util.arraysEqual(y.shape, dy.shape) || y.rank === 0) {
    throw new ConvkitUsageError(
      `fusedSoftmaxGrad: y [${y.shape}] and dy [${dy.shape}] must have the same shape, rank 1 or more.`,
    );
  }
  requireGpu('fusedSoftmaxGrad');
  const run = (y2: tf.Tensor, dy2: tf.Tensor) =>
    tf.engine().runKernel(SOFTMAX_GRAD_KERNEL, { y: y2, dy: dy2 }) as tf.Tensor;
  if (y.rank === 2) return run(y, dy);
  // As rows of the last axis (a reshape moves no data on WebGPU, nor on unpacked WebGL textures).
  const rows = [y.size / y.shape[y.rank - 1], y.shape[y.rank - 1]];
  return tf.tidy(() => tf.reshape(run(tf.reshape(y, rows), tf.reshape(dy, rows)), y.shape));
}

/**
 * `sums` (shape [k]) plus the sum of each of the k tensors in `values`, in one GPU kernel
 * (k + 2 as tfjs ops): running totals of per-sample losses and metrics. The values all have the
 * same size. On the webgpu and webgl backends.
 */
export function fusedAddSums(sums: tf.Tensor, values: readonly tf.Tensor[]): tf.Tensor {
  const size = values[0]?.size;
  if (sums.rank !== 1 || sums.shape[0] !== values.length || values.some((v) => v.size !== size)) {
    throw new ConvkitUsageError(
      `fusedAddSums: expected sums of shape [k] and k values of one size; found sums [${sums.shape}] and ${values.length} values of sizes ${values.map((v) => v.size).join(', ')}.`,
    );
  }
  requireGpu('fusedAddSums');
  return tf.tidy(() => {
    const flat = values.map((v) => (v.rank === 1 ? v : tf.reshape(v, [size])));
    return tf.engine().runKernel(ADD_SUMS_KERNEL, { sums, ...numberedInputs(flat) }) as tf.Tensor;
  });
}
