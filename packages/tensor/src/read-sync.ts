import type * as tf from '@tensorflow/tfjs-core';
import { ConvkitUsageError } from './errors';

/**
 * `tensor.dataSync()` of a numeric tensor, with a clear error where the backend cannot read synchronously: tfjs's
 * WebGPU backend reads GPU memory synchronously through an OffscreenCanvas, which node lacks
 * (tensors made from JS values and not yet used on the GPU still read). `what` names the
 * caller in the error; `instead` says what to do.
 */
export function readSync(tensor: tf.Tensor, what: string, instead: string): tf.TypedArray {
  try {
    return tensor.dataSync() as tf.TypedArray;
  } catch (error) {
    if (error instanceof ReferenceError && /OffscreenCanvas/.test(error.message)) {
      throw new ConvkitUsageError(
        `${what} reads a tensor synchronously, which the webgpu backend cannot do in node (tfjs needs an OffscreenCanvas for it). ${instead}`,
        { cause: error },
      );
    }
    throw error;
  }
}
