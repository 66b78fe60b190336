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
    if (cannotReadSync(error)) {
      throw new ConvkitUsageError(
        `${what} reads a tensor synchronously, which the webgpu backend cannot do in node (tfjs needs an OffscreenCanvas for it). ${instead}`,
        { cause: error },
      );
    }
    throw error;
  }
}

/** Whether `error` is the webgpu backend's in node, which has no synchronous read. */
function cannotReadSync(error: unknown): boolean {
  return error instanceof ReferenceError && /OffscreenCanvas/.test(error.message);
}

/**
 * The values of each tensor: read at once where the backend can (so that a caller finishes
 * synchronously, as Keras's APIs do), else a promise of them (the webgpu backend in node).
 */
export function readSyncOrAsync(tensors: tf.Tensor[]): tf.TypedArray[] | Promise<tf.TypedArray[]> {
  try {
    return tensors.map((t) => t.dataSync() as tf.TypedArray);
  } catch (error) {
    if (cannotReadSync(error)) return Promise.all(tensors.map((t) => t.data() as Promise<tf.TypedArray>));
    throw error;
  }
}
