import * as tf from '@tensorflow/tfjs-core';
import { ConvkitUsageError } from '../errors';
import { fusedKernelBackend } from '../gpu-kernels/active-gpu';
import { ensureFusedKernels } from '../gpu-kernels/register';
import { numberedInputs } from '../kernel-inputs';
import { evaluateWithOps } from './evaluate-ops';
import type { ExprNode, Term } from './expr';
import { GLSL, GLSL_PACKED, toShaderCode, WGSL } from './shader-code';
import { ELEMENTWISE_KERNEL, type ElementwiseAttrs } from './webgpu-kernel';

/** Options of `elementwise`. */
export interface ElementwiseOptions {
  /**
   * Scalar tensors for the numbers in the formula, shared between calls inside one tf.tidy
   * (used only where the formula runs as tfjs ops).
   */
  scalars?: Map<number, tf.Scalar>;
}

/**
 * Computes elementwise formulas over same-shape float32 tensors. `formula` receives one term
 * per input and returns the output terms, built with `ew`'s add, sub, mul, div, sqrt, square and step
 * (and numbers). On WebGPU and WebGL each output is one dispatch (one draw), however many
 * operations it has; elsewhere each operation is one tfjs op. Both compute in float32.
 *
 * ```ts
 * const [wNext, sNext] = elementwise([w, g, s], ([w, g, s]) => {
 *   const sNext = ew.add(ew.mul(s, 0.9), ew.square(g));
 *   return [ew.sub(w, ew.div(ew.mul(g, lr), ew.add(ew.sqrt(sNext), 1e-7))), sNext];
 * });
 * ```
 */
export function elementwise(
  inputs: readonly tf.Tensor[],
  formula: (terms: ExprNode[]) => Term[],
  options: ElementwiseOptions = {},
): tf.Tensor[] {
  checkInputs(inputs);
  const outputs = formula(inputs.map((_, index): ExprNode => ({ kind: 'input', index })));
  const kept = outputs.map((o, i) => {
    if (typeof o === 'number' || o.kind === 'input') {
      throw new ConvkitUsageError(
        `elementwise: output ${i} is ${typeof o === 'number' ? `the number ${o}` : `input ${o.index}`}; each output must be an operation on the inputs (add, sub, mul, div, sqrt, square, step).`,
      );
    }
    return o;
  });
  const gpu = fusedKernelBackend();
  if (!gpu) return evaluateWithOps(kept, inputs, options.scalars);
  ensureFusedKernels(gpu);
  const named = numberedInputs(inputs);
  // On WebGL, packed as tfjs packs its own elementwise ops (its default).
  const packed = gpu === 'webgl' && tf.env().getBool('WEBGL_PACK_BINARY_OPERATIONS');
  const dialect = gpu === 'webgpu' ? WGSL : packed ? GLSL_PACKED : GLSL;
  return kept.map((o) => {
    const attrs: ElementwiseAttrs = { ...toShaderCode(o, dialect), packed };
    return tf.engine().runKernel(ELEMENTWISE_KERNEL, named, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
  });
}

function checkInputs(inputs: readonly tf.Tensor[]): void {
  if (inputs.length === 0) throw new ConvkitUsageError('elementwise: give at least one input tensor.');
  const [first] = inputs;
  inputs.forEach((t, i) => {
    if (t.dtype !== 'float32') {
      throw new ConvkitUsageError(`elementwise: input ${i} is ${t.dtype}; cast it to float32 first.`);
    }
    if (!tf.util.arraysEqual(t.shape, first.shape)) {
      throw new ConvkitUsageError(
        `elementwise: input ${i} has shape [${t.shape}] and input 0 [${first.shape}]; all inputs need the same shape (there is no broadcasting).`,
      );
    }
  });
}
