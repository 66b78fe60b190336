import * as tf from '@tensorflow/tfjs-core';
import { CROSSENTROPY_GRAD_KERNEL, CROSSENTROPY_KERNEL } from './kernel-names';

/**
 * The crossentropy kernel's gradient, on every backend that has the kernels: d loss / d preds
 * is one more kernel; labels get none (they are data).
 */
export const CROSSENTROPY_GRADIENT: tf.GradConfig = {
  kernelName: CROSSENTROPY_KERNEL,
  inputsToSave: ['labels', 'preds'],
  gradFunc: (dy, [labels, preds], attrs) => ({
    labels: () => tf.zerosLike(labels),
    preds: () =>
      tf
        .engine()
        .runKernel(CROSSENTROPY_GRAD_KERNEL, { labels, preds, dy: dy as tf.Tensor }, attrs) as tf.Tensor,
  }),
};
