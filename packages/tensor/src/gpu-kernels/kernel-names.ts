/**
 * Names and attributes of convkit's fused training kernels, shared by their WebGPU (WGSL) and
 * WebGL (GLSL) versions.
 */

/** Which of Keras's crossentropies: labels one-hot, integer class indices, or 0/1 per unit. */
export type CrossentropyMode = 'categorical' | 'sparse' | 'binary';

/** Which of Keras's accuracies: one-hot labels, integer class indices, or 0/1 per unit. */
export type AccuracyMode = 'categorical' | 'sparse' | 'binary';

/** Per-sample crossentropy: inputs labels, preds [rows, units]; output shape [rows]. */
export const CROSSENTROPY_KERNEL = 'ConvkitCrossentropy';
/** Its gradient with respect to preds: inputs labels, preds, dy; output the shape of preds. */
export const CROSSENTROPY_GRAD_KERNEL = 'ConvkitCrossentropyGrad';

/** The crossentropy kernels' attributes. */
export interface CrossentropyAttrs {
  mode: CrossentropyMode;
  /** Keras's fuzz factor: predictions are clipped to [epsilon, 1 - epsilon]. */
  epsilon: number;
}

/** Per-sample accuracy: inputs labels, preds [rows, units]; output [rows], 0 or 1 (binary: the mean over units). */
export const ACCURACY_KERNEL = 'ConvkitAccuracy';

/** Softmax's gradient over rows: inputs y (softmax's output) and dy, both [rows, units]; output dx. */
export const SOFTMAX_GRAD_KERNEL = 'ConvkitSoftmaxGrad';

/** Running sums: inputs sums [k], x0 ... x(k-1) (each [n]); output sums + [sum(x0), ...]. */
export const ADD_SUMS_KERNEL = 'ConvkitAddSums';
