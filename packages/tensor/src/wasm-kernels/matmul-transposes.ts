import type * as tf from '@tensorflow/tfjs-core';
import { withWasmOps } from './wasm-ops';

/**
 * Wraps tfjs-backend-wasm's BatchMatMul or _FusedMatMul: that kernel runs XNNPACK only when
 * neither input is transposed (and the batch is 1); otherwise it falls back to a scalar loop,
 * 5-15x slower. The gradients of every dense layer (dW = x^T . dy, dx = dy . W^T) take that
 * path. This wrapper transposes the flagged inputs with the wasm Transpose kernel first, so
 * the product always runs on XNNPACK.
 */
export function withExplicitTransposes(original: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { inputs, attrs = {} } = args;
    const { a, b } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const transposeA = Boolean(attrs.transposeA);
    const transposeB = Boolean(attrs.transposeB);
    const singleBatch = (t: tf.TensorInfo) => t.shape.slice(0, -2).every((d) => d === 1);
    if ((!transposeA && !transposeB) || !singleBatch(a) || !singleBatch(b)) return original(args);
    return withWasmOps(args.backend, (ops) => {
      // Transposes the last two axes, keeping the rank (the fused kernel needs 3-D inputs).
      const flip = (t: tf.TensorInfo) => {
        const r = t.shape.length;
        const rows = t.shape[r - 2];
        const cols = t.shape[r - 1];
        const flipped = ops.transpose(ops.reshape(t, [rows, cols]), [1, 0]);
        return ops.reshape(flipped, [...t.shape.slice(0, -2), cols, rows]);
      };
      return ops.call(
        original,
        {
          ...(inputs as Record<string, tf.TensorInfo>),
          a: transposeA ? flip(a) : a,
          b: transposeB ? flip(b) : b,
        },
        { ...attrs, transposeA: false, transposeB: false },
      );
    });
  };
}
