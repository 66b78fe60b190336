import { fusedKernelBackend, fusedSoftmaxGrad } from '@convkit/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { type GradConfig, keptShape, mask, reductionAxes } from './util';

type T = tf.Tensor;

/** dy of a reduction, spread back over the input's shape (one Tile kernel). */
function spread(dy: T, x: T, axes: number[]): T {
  return tf.broadcastTo(tf.reshape(dy, keptShape(x.shape, axes)), x.shape);
}

/** Gradients of Sum, Mean, Max, Min and Softmax. */
export const REDUCTION_GRADIENTS: GradConfig[] = [
  {
    kernelName: 'Sum',
    inputsToSave: ['x'],
    gradFunc: (dy, [x], attrs) => ({ x: () => spread(dy as T, x, reductionAxes(attrs.axis, x.rank)) }),
  },
  {
    kernelName: 'Mean',
    inputsToSave: ['x'],
    gradFunc: (dy, [x], attrs) => ({
      x: () => {
        const axes = reductionAxes(attrs.axis, x.rank);
        const count = axes.reduce((n, a) => n * x.shape[a], 1);
        return spread(tf.div(dy as T, count), x, axes);
      },
    }),
  },
  ...(['Max', 'Min'] as const).map(
    (kernelName): GradConfig => ({
      kernelName,
      inputsToSave: ['x'],
      outputsToSave: [true],
      gradFunc: (dy, [x, y], attrs) => ({
        x: () => {
          const axes = reductionAxes(kernelName === 'Max' ? attrs.reductionIndices : attrs.axis, x.rank);
          const shape = keptShape(x.shape, axes);
          return tf.mul(spread(dy as T, x, axes), mask(tf.equal(x, tf.reshape(y, shape))));
        },
      }),
    }),
  ),
  {
    kernelName: 'Softmax',
    outputsToSave: [true],
    gradFunc: (dy, [y], attrs) => ({
      logits: () => {
        // tfjs's softmax only runs along the last axis.
        if (fusedKernelBackend()) return fusedSoftmaxGrad(y, dy as T);
        const dim = (attrs.dim as number) ?? -1;
        const dyy = tf.mul(dy as T, y);
        return tf.sub(dyy, tf.mul(tf.sum(dyy, dim, true), y));
      },
    }),
  },
  {
    kernelName: 'LogSoftmax',
    outputsToSave: [true],
    gradFunc: (dy, [y], attrs) => ({
      logits: () => {
        const axis = (attrs.axis as number) ?? -1;
        return tf.sub(dy as T, tf.mul(tf.sum(dy as T, axis, true), tf.exp(y)));
      },
    }),
  },
];
