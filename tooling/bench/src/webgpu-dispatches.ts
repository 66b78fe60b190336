import * as tf from '@tensorflow/tfjs-core';

/** GPU work counted while a function ran on tfjs's webgpu backend. */
export interface DispatchCount {
  /** Compute dispatches (one per GPU kernel launch). */
  dispatches: number;
  /** Reads of GPU buffers back to the CPU (each waits for the GPU to finish). */
  reads: number;
  /**
   * Milliseconds of wall time outside the reads: the host's cost (JavaScript, tfjs's bookkeeping,
   * Dawn's encoding and submits), as long as the GPU keeps up so that submits do not wait.
   */
  hostMs: number;
}

/** The tfjs-backend-webgpu internals counted (4.22's WebGPUBackend methods). */
interface Counted {
  recordAndSubmit(...args: unknown[]): unknown;
  getBufferData(...args: unknown[]): unknown;
}

/**
 * Runs `fn` on the active webgpu backend and counts what it asked of the GPU, by wrapping the
 * backend's `recordAndSubmit` (called once per dispatch) and `getBufferData` (once per
 * read-back), and the wall time spent outside the reads. Counts do not depend on the adapter, so
 * a software one (lavapipe) gives a GPU's; the host time does, a little (a software adapter's
 * threads take CPU from the main thread).
 */
export async function countDispatches(fn: () => Promise<unknown>): Promise<DispatchCount> {
  const backend = tf.backend() as unknown as Counted;
  const proto = Object.getPrototypeOf(backend) as Counted;
  if (tf.getBackend() !== 'webgpu' || typeof proto.recordAndSubmit !== 'function') {
    throw new Error(
      `counting dispatches needs tfjs-backend-webgpu's WebGPUBackend (recordAndSubmit); the active backend is ${tf.getBackend()}.`,
    );
  }
  const count: DispatchCount = { dispatches: 0, reads: 0, hostMs: 0 };
  const { recordAndSubmit, getBufferData } = proto;
  proto.recordAndSubmit = function (this: unknown, ...args: unknown[]) {
    count.dispatches++;
    return recordAndSubmit.apply(this, args);
  };
  // Reads may overlap (tfjs-layers awaits several at once): time while any is in flight.
  let [readMs, inFlight, readsSince] = [0, 0, 0];
  proto.getBufferData = async function (this: unknown, ...args: unknown[]) {
    count.reads++;
    if (inFlight++ === 0) readsSince = performance.now();
    try {
      return await getBufferData.apply(this, args);
    } finally {
      if (--inFlight === 0) readMs += performance.now() - readsSince;
    }
  };
  const start = performance.now();
  try {
    await fn();
    count.hostMs = performance.now() - start - readMs;
  } finally {
    proto.recordAndSubmit = recordAndSubmit;
    proto.getBufferData = getBufferData;
  }
  return count;
}
