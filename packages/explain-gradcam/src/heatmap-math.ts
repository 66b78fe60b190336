import { ensureGradients } from '@convkit/layers';
import * as tf from '@tensorflow/tfjs-core';

/**
 * Grad-CAM from a feature map and the function that scores it, for a batch:
 * the gradient of each image's class score with respect to its feature map [n, h, w, c],
 * channel weights = that gradient's mean over height and width, heatmap = the channel mean of
 * the weighted feature map, then ReLU and division by the image's maximum (an all-zero heatmap
 * stays zero). `score` maps features to class scores [n, classes]; `classIndices[k]` is the class
 * of image k. Returns heatmaps [n, h, w] in 0-1 and the scores [n, classes]; the caller disposes
 * both. Call inside tf.tidy or dispose the results.
 */
export function gradCamFromFeatures(
  features: tf.Tensor4D,
  score: (features: tf.Tensor4D) => tf.Tensor,
  classIndices: number[],
): { heatmaps: tf.Tensor3D; scores: tf.Tensor2D } {
  // node never loads tfjs-core's own gradients; @convkit/layers registers the ones convnets need.
  ensureGradients();
  return tf.tidy(() => {
    let scores: tf.Tensor2D | undefined;
    const grads = tf.grad((a: tf.Tensor) => {
      const s = score(a as tf.Tensor4D) as tf.Tensor2D;
      scores = tf.keep(s);
      // Not tf.oneHot: it needs depth >= 2, and a one-unit sigmoid output (the chapter's cats vs dogs) has 1.
      const columns = tf.range(0, s.shape[1], 1, 'int32');
      const mask = tf.cast(
        tf.equal(tf.expandDims(tf.tensor1d(classIndices, 'int32'), 1), columns),
        'float32',
      );
      return tf.sum(tf.mul(s, mask));
    })(features);
    const weights = tf.mean(grads, [1, 2], true);
    const cam = tf.relu(tf.mean(tf.mul(features, weights), 3));
    const max = tf.max(cam, [1, 2], true);
    const heatmaps = tf.divNoNan(cam, max) as tf.Tensor3D;
    // tf.keep'd inside the gradient scope: hand it to this tidy's result instead.
    const out = { heatmaps, scores: tf.clone(scores as tf.Tensor2D) };
    tf.dispose(scores);
    return out;
  });
}
