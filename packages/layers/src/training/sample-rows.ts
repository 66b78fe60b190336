import * as tf from '@tensorflow/tfjs-core';

/**
 * Backends whose tensors live in CPU memory, where a tensor's values can be read without a GPU
 * round trip (on cpu, reading returns the tensor's own array; on wasm, one copy of the heap).
 */
const HOST_MEMORY_BACKENDS = new Set(['cpu', 'wasm']);

/** Largest tensor (in elements, 512 MB of float32) whose values are read once for batching. */
const MAX_HOST_ELEMENTS = 2 ** 27;

type HostValues = Float32Array | Int32Array | Uint8Array;

/**
 * Cuts batches of samples (rows along axis 0) out of a tensor, for fit and evaluate. On cpu and
 * wasm it reads the values once and copies the rows of each batch in JS: tfjs-backend-wasm's
 * GatherV2 costs about 2 ms per MNIST batch of 64 (a quarter of it for the whole step's
 * element-wise work), and its Slice copies the whole source tensor on every call, so each
 * batch of an unshuffled epoch cost O(samples). Elsewhere (GPU backends) batches are gathered
 * or sliced on the backend.
 */
export class SampleRows {
  private values?: HostValues;
  private readonly rowSize: number;

  constructor(private readonly source: tf.Tensor) {
    this.rowSize = source.shape.slice(1).reduce((a, b) => a * b, 1);
  }

  /** The samples at `indices`, in that order. */
  take(indices: Int32Array): tf.Tensor {
    const values = this.hostValues();
    if (!values) {
      return tf.tidy(() => tf.gather(this.source, tf.tensor1d(indices, 'int32')));
    }
    const { rowSize } = this;
    const out = new (values.constructor as new (n: number) => HostValues)(indices.length * rowSize);
    for (let i = 0; i < indices.length; i++) {
      const at = indices[i] * rowSize;
      out.set(values.subarray(at, at + rowSize), i * rowSize);
    }
    return tf.tensor(out, [indices.length, ...this.source.shape.slice(1)], this.source.dtype);
  }

  /** `size` samples from `start`. */
  range(start: number, size: number): tf.Tensor {
    const values = this.hostValues();
    if (!values) {
      if (tf.getBackend() !== 'wasm') return tf.slice(this.source, start, size);
      // Too large to read: wasm's Slice would copy the whole tensor; a gather copies the rows.
      return this.take(Int32Array.from({ length: size }, (_, i) => start + i));
    }
    const rows = values.slice(start * this.rowSize, (start + size) * this.rowSize);
    return tf.tensor(rows, [size, ...this.source.shape.slice(1)], this.source.dtype);
  }

  /** The source's values when the backend keeps them in CPU memory and they fit; read once. */
  private hostValues(): HostValues | undefined {
    if (this.values) return this.values;
    const { source } = this;
    if (
      !HOST_MEMORY_BACKENDS.has(tf.getBackend()) ||
      source.dtype === 'string' ||
      source.dtype === 'complex64' ||
      source.size > MAX_HOST_ELEMENTS
    ) {
      return undefined;
    }
    this.values = source.dataSync() as HostValues;
    return this.values;
  }
}
