import * as tf from '@tensorflow/tfjs-core';
// The bench has no package dependency on @convkit/layers; it runs the package's source.
import {
  conv2d,
  dense,
  flatten,
  maxPooling2d,
  type Sequential,
  sequential,
  setSeed,
} from '../../../packages/layers/src/index';

/** The chapter's MNIST convnet (section 5.1): 93,322 parameters. */
export function mnistConvnet(): Sequential {
  return sequential([
    conv2d({ filters: 32, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1] }),
    maxPooling2d({ poolSize: 2 }),
    conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }),
    maxPooling2d({ poolSize: 2 }),
    conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }),
    flatten(),
    dense({ units: 64, activation: 'relu' }),
    dense({ units: 10, activation: 'softmax' }),
  ]);
}

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
  const model = mnistConvnet();
  model.compile({ optimizer: 'rmsprop', loss: 'categorical_crossentropy', metrics: ['accuracy'] });
  return { model, ...randomData(samples) };
}
