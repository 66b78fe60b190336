import { ConvkitUsageError } from '@convkit/tensor';
import * as tf from '@tensorflow/tfjs-core';

/** The ImageNet channel means VGG16 was trained with, in BGR order (Keras's caffe mode). */
export const IMAGENET_BGR_MEAN: readonly [number, number, number] = [103.939, 116.779, 123.68];

/**
 * Keras's `vgg16.preprocess_input` ('caffe' mode): turns RGB pixel values in 0..255 into what
 * VGG16 expects, by reversing the channels to BGR and subtracting the ImageNet mean of each
 * channel (no scaling). Takes one image [height, width, 3] or a batch [n, height, width, 3]
 * and returns a new float32 tensor of the same shape; the input is left as it was.
 */
export function preprocessInput<T extends tf.Tensor3D | tf.Tensor4D>(x: T): T {
  if (x.rank !== 3 && x.rank !== 4) {
    throw new ConvkitUsageError(
      `preprocessInput expects an image [height, width, 3] or a batch [n, height, width, 3]; found a tensor of shape [${x.shape.join(', ')}].`,
    );
  }
  const channels = x.shape[x.rank - 1];
  if (channels !== 3) {
    throw new ConvkitUsageError(
      `preprocessInput expects 3 channels (RGB) in the last dimension; found ${channels} (shape [${x.shape.join(', ')}]). Convert grayscale or RGBA images to RGB first.`,
    );
  }
  return tf.tidy(() => {
    const bgr = tf.reverse(tf.cast(x, 'float32'), -1);
    return tf.sub(bgr, tf.tensor1d([...IMAGENET_BGR_MEAN]));
  }) as T;
}
