import type * as tf from '@tensorflow/tfjs-core';
import { sizeOf, type WasmOps, withWasmOps } from './wasm-ops';

/**
 * Wraps tfjs-backend-wasm's BatchMatMul or _FusedMatMul: that kernel runs XNNPACK only when
 * neither input is transposed (and the batch is 1); otherwise it falls back to a scalar loop,
 * 5-15x slower. The gradients of every dense layer (dW = x^T . dy, dx = dy . W^T) take that
 * path. This wrapper transposes with the wasm Transpose kernel first, so the product always
 * runs on XNNPACK: either the flagged inputs, or (where that moves less data, and there is no
 * bias to add along the output's last axis) it computes C^T = op(B)^T . op(A)^T and transposes
 * that. dy . W^T for a batch of one then transposes dy and a row, not VGG16's 25088 x 4096 W.
 */
export function withExplicitTransposes(original: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { inputs, attrs = {} } = args;
    const { a, b, bias, preluActivationWeights } = inputs as Record<string, tf.TensorInfo | undefined>;
    const transposeA = Boolean(attrs.transposeA);
    const transposeB = Boolean(attrs.transposeB);
    const singleBatch = (t: tf.TensorInfo) => t.shape.slice(0, -2).every((d) => d === 1);
    if ((!transposeA && !transposeB) || !a || !b || !singleBatch(a) || !singleBatch(b)) return original(args);
    const rank = a.shape.length;
    const m = a.shape[transposeA ? rank - 1 : rank - 2];
    const n = b.shape[transposeB ? rank - 2 : rank - 1];
    const moved = (transposeA ? sizeOf(a.shape) : 0) + (transposeB ? sizeOf(b.shape) : 0);
    const movedSwapped = (transposeA ? 0 : sizeOf(a.shape)) + (transposeB ? 0 : sizeOf(b.shape)) + m * n;
    const swap = !bias && !preluActivationWeights && movedSwapped < moved;
    return withWasmOps(args.backend, (ops) => {
      const product = (left: tf.TensorInfo, right: tf.TensorInfo) =>
        ops.call(
          original,
          { ...(inputs as Record<string, tf.TensorInfo>), a: left, b: right },
          { ...attrs, transposeA: false, transposeB: false },
        );
      if (!swap) return product(transposeA ? flip(ops, a) : a, transposeB ? flip(ops, b) : b);
      return flip(ops, product(transposeB ? b : flip(ops, b), transposeA ? a : flip(ops, a)));
    });
  };
}

/** Transposes the last two axes, keeping the rank (the fused kernel needs 3-D inputs). */
function flip(ops: WasmOps, t: tf.TensorInfo): tf.TensorInfo {
  const r = t.shape.length;
  const rows = t.shape[r - 2];
  const cols = t.shape[r - 1];
  const flipped = ops.transpose(ops.reshape(t, [rows, cols]), [1, 0]);
  return ops.reshape(flipped, [...t.shape.slice(0, -2), cols, rows]);
}
