import type * as tf from '@tensorflow/tfjs-core';

interface RefCountingBackend {
  incRef(dataId: object): void;
}

/**
 * Wraps tfjs-backend-wasm's Identity or Cast: both copy the whole tensor even when the result
 * is the same data (Identity, Cast to the same dtype; tfjs-core's relu gradient casts a float32
 * step to float32). Tensors are immutable, so this returns the input's data with one more
 * reference instead, as tfjs-backend-cpu's Identity and every Reshape do. Other casts, and
 * strings, go to the original kernel.
 */
export function aliasWhenUnchanged(original: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const dtype = (args.attrs?.dtype as tf.DataType | undefined) ?? x.dtype;
    if (dtype !== x.dtype || x.dtype === 'string') return original(args);
    (args.backend as RefCountingBackend).incRef(x.dataId);
    return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
  };
}
