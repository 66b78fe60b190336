import type * as tf from '@tensorflow/tfjs-core';
import { sizeOf, withWasmOps } from './wasm-ops';

/**
 * Wraps tfjs-backend-wasm's Tile (what broadcastTo runs, and so every reduction's gradient):
 * that kernel computes each output element's source index on its own, about 12M elements/s
 * (43 ms to spread one gradient over VGG16's block3 at 8x16x16x256). Here float32 and int32
 * tensors are tiled as block copies on the wasm heap: each innermost row is written once and
 * then doubled with copyWithin, and so on outwards, at memory speed. Other dtypes go to the
 * original kernel.
 */
export function withBlockTile(original: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const { reps } = (args.attrs ?? {}) as { reps: number[] };
    if ((x.dtype !== 'float32' && x.dtype !== 'int32') || reps.length !== x.shape.length)
      return original(args);
    return withWasmOps(args.backend, (ops) => {
      const outShape = x.shape.map((d, i) => d * reps[i]);
      const out = ops.output(outShape, x.dtype);
      if (sizeOf(outShape) === 0) return out;
      // Views after the last allocation: allocating may grow (and detach) the heap.
      const view = (t: tf.TensorInfo) => {
        const f32 = ops.heapF32(t);
        return t.dtype === 'int32' ? new Int32Array(f32.buffer, f32.byteOffset, f32.length) : f32;
      };
      tileInto(view(x), view(out), x.shape, reps);
      return out;
    });
  };
}

/** Writes x (row-major, `shape`) tiled `reps` times along each axis into out, of the same type. */
export function tileInto<A extends Float32Array | Int32Array>(
  x: A,
  out: A,
  shape: readonly number[],
  reps: readonly number[],
): void {
  const rank = shape.length;
  if (rank === 0) {
    out[0] = x[0];
    return;
  }
  // inSize[i], outSize[i]: elements of one block spanning axes i.. of x and of out.
  const inSize = new Array<number>(rank + 1).fill(1);
  const outSize = new Array<number>(rank + 1).fill(1);
  for (let i = rank - 1; i >= 0; i--) {
    inSize[i] = inSize[i + 1] * shape[i];
    outSize[i] = outSize[i + 1] * shape[i] * reps[i];
  }
  /** Writes the tiled block of axes `axis`.. of the x block at `from` to out at `to`. */
  const block = (axis: number, from: number, to: number): void => {
    const span = outSize[axis + 1] * shape[axis]; // one repetition along this axis
    if (axis === rank - 1 && shape[axis] === 1) {
      out.fill(x[from], to, to + reps[axis]); // a broadcast along the last axis
      return;
    }
    if (axis === rank - 1) {
      out.set(x.subarray(from, from + shape[axis]), to);
    } else {
      for (let j = 0; j < shape[axis]; j++)
        block(axis + 1, from + j * inSize[axis + 1], to + j * outSize[axis + 1]);
    }
    // Double the written repetitions until the axis holds reps[axis] of them.
    const end = to + span * reps[axis];
    for (let filled = to + span; filled < end; ) {
      const size = Math.min(filled - to, end - filled);
      out.copyWithin(filled, to, to + size);
      filled += size;
    }
  };
  block(0, 0, 0);
}
