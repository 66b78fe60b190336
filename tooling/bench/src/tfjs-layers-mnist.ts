import * as tf from '@tensorflow/tfjs-core';

/** The tfjs-layers module (imported by the caller: importing it registers every gradient). */
export type Tfl = typeof import('@tensorflow/tfjs-layers');

/** The chapter's MNIST convnet in tfjs-layers, compiled with RMSprop, and random data for it. */
export function mnistSetup(tfl: Tfl, samples: number) {
  const model = tfl.sequential({
    layers: [
      tfl.layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1] }),
      tfl.layers.maxPooling2d({ poolSize: 2 }),
      tfl.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }),
      tfl.layers.maxPooling2d({ poolSize: 2 }),
      tfl.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }),
      tfl.layers.flatten(),
      tfl.layers.dense({ units: 64, activation: 'relu' }),
      tfl.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
  model.compile({ optimizer: 'rmsprop', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const x = tf.randomUniform([samples, 28, 28, 1], 0, 1, 'float32', 1);
  const y = tf.oneHot(tf.randomUniform([samples], 0, 10, 'int32', 2) as tf.Tensor1D, 10);
  return { model, x, y };
}
