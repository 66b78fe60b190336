import * as tf from '@tensorflow/tfjs-core';
import { simdKernels } from './simd-kernels';
import { sizeOf, withWasmOps } from './wasm-ops';

/**
 * Wraps tfjs-backend-wasm's Sum: summing over leading axes (as every bias gradient does,
 * e.g. [n, h, w, c] -> [c]) makes that kernel transpose the whole tensor first. Here such sums
 * run as one pass of column sums over the wasm heap (SIMD float32 blocks added into float64
 * totals where columns come in fours, else a float64 JS loop); any other Sum goes to the
 * original kernel.
 */
export function withLeadingAxesSum(original: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const { axis, keepDims } = (args.attrs ?? {}) as { axis: number | number[]; keepDims: boolean };
    const rank = x.shape.length;
    if (x.dtype !== 'float32' || rank < 2) return original(args);
    const axes = tf.util.parseAxisParam(axis, x.shape).sort((p, q) => p - q);
    const leading = axes.length < rank && axes.every((a, i) => a === i);
    if (!leading) return original(args);
    const rows = sizeOf(x.shape.slice(0, axes.length));
    const keptShape = x.shape.slice(axes.length);
    const cols = sizeOf(keptShape);
    // Few long columns: the original kernel's transpose is cheap relative to its reduction.
    if (rows < 2 || cols > 1 << 16) return original(args);
    return withWasmOps(args.backend, (ops) => {
      const outShape = keepDims ? x.shape.map((d, i) => (i < axes.length ? 1 : d)) : keptShape;
      const out = ops.output(outShape);
      const simd = cols % 4 === 0 ? simdKernels(ops.memory()) : null;
      if (simd) {
        const scratch = ops.output([2 * cols]); // float64 totals
        simd.columnSum(ops.offset(x), ops.offset(out), ops.offset(scratch), rows, cols);
        return out;
      }
      // Views after the last allocation: allocating may grow (and detach) the heap.
      const dst = ops.heapF32(out);
      const src = ops.heapF32(x);
      const acc = new Float64Array(cols);
      for (let r = 0, o = 0; r < rows; r++) for (let c = 0; c < cols; c++, o++) acc[c] += src[o];
      dst.set(acc);
      return out;
    });
  };
}
