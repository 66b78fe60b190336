import { convkitWebglKernelsActive, replacedGpuKernels } from '@convkit/tensor';
import * as tf from '@tensorflow/tfjs-core';

/** A gradient definition for one kernel (tfjs-core's GradConfig). */
export type GradConfig = tf.GradConfig;

/**
 * Whether the active backend's Sum over the first `k` of `rank` axes is a pass of column sums:
 * @convkit/tensor's SIMD column sum on wasm, and its packed two-draw sum on webgl when only the
 * last axis is kept. Elsewhere tfjs's Sum transposes the whole tensor first, and a matMul with
 * ones is faster (tfjs cpu: 7 ms vs 140 ms for a [64, 26, 26, 32] bias gradient; on wasm the
 * matMul repacks dy for XNNPACK on every call: 11 ms vs 0.5 ms in training; on webgl 2 draws
 * against 9, with the ones uploaded each time).
 */
function sumIsOnePass(k: number, rank: number): boolean {
  const backend = tf.getBackend();
  if (backend === 'wasm') return true;
  return (
    backend === 'webgl' &&
    k === rank - 1 &&
    convkitWebglKernelsActive() &&
    replacedGpuKernels('webgl').includes(tf.Sum)
  );
}

/** Sums a broadcast gradient back down to `shape` (the shape of the input that was broadcast). */
export function unbroadcast(dy: tf.Tensor, shape: readonly number[]): tf.Tensor {
  if (dy.shape.length === shape.length && dy.shape.every((d, i) => d === shape[i])) return dy;
  const lead = dy.rank - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < dy.rank; i++) {
    if (i < lead || (shape[i - lead] === 1 && dy.shape[i] !== 1)) axes.push(i);
  }
  if (axes.length === 0) return tf.reshape(dy, [...shape]);
  const k = axes.length;
  if (axes.every((a, i) => a === i) && k < dy.rank && !sumIsOnePass(k, dy.rank)) {
    // Summing the leading axes (a bias gradient): ones[1, rows] x dy[rows, cols] runs on the
    // backends' fast matMul, where a reduction over non-last axes would transpose first.
    const rows = dy.shape.slice(0, k).reduce((a, b) => a * b, 1);
    const cols = dy.size / rows;
    return tf.reshape(tf.matMul(tf.ones([1, rows]), tf.reshape(dy, [rows, cols])), [...shape]);
  }
  return tf.reshape(tf.sum(dy, axes), [...shape]);
}

/** Normalises a reduction's axis attribute (a number, a list, or null for all) to sorted non-negative axes. */
export function reductionAxes(axis: unknown, rank: number): number[] {
  if (axis === null || axis === undefined) return [...Array(rank).keys()];
  const list = Array.isArray(axis) ? (axis as number[]) : [axis as number];
  return [...new Set(list.map((a) => (a < 0 ? a + rank : a)))].sort((a, b) => a - b);
}

/** The shape of a reduction's result with the reduced axes kept as 1. */
export function keptShape(shape: readonly number[], axes: number[]): number[] {
  return shape.map((d, i) => (axes.includes(i) ? 1 : d));
}

/** 1.0 where `cond` holds, else 0.0. */
export function mask(cond: tf.Tensor): tf.Tensor {
  return tf.cast(cond, 'float32');
}

/** Runs a kernel by name (for the backprop kernels tfjs-core does not expose as ops). */
export function runKernel(
  name: string,
  inputs: Record<string, tf.Tensor>,
  attrs: Record<string, unknown>,
): tf.Tensor {
  return tf.engine().runKernel(name, inputs as never, attrs as never) as tf.Tensor;
}
