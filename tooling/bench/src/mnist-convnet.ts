import * as tf from '@tensorflow/tfjs-core';
// The bench has no package dependency on @convkit/layers; it runs the package's source.
import { chapterConvnet, type Sequential, setSeed } from '../../../packages/layers/src/index';

/** n random MNIST-shaped images and one-hot labels (seeded). */
export function randomData(n: number): { x: tf.Tensor; y: tf.Tensor } {
  return tf.tidy(() => ({
    x: tf.randomUniform([n, 28, 28, 1], 0, 1, 'float32', 1),
    y: tf.oneHot(tf.randomUniform([n], 0, 10, 'int32', 2) as tf.Tensor1D, 10),
  }));
}

/**
 * The MNIST convnet (seeded) compiled as the chapter compiles it (RMSprop, categorical
 * crossentropy, accuracy), and `samples` random images and labels for it: the twin of
 * tfjs-layers-mnist.ts's setup.
 */
export function mnistSetup(samples: number): { model: Sequential; x: tf.Tensor; y: tf.Tensor } {
  setSeed(1);
  const model = chapterConvnet('mnist');
  model.compile({ optimizer: 'rmsprop', loss: 'categorical_crossentropy', metrics: ['accuracy'] });
  return { model, ...randomData(samples) };
}
