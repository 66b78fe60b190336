import * as tf from '@tensorflow/tfjs-core';
import type { ActivationName } from '../core/activations';
import { FUSED_GRAD_ACTIVATIONS } from '../gradients/fused';
import type { Padding } from './conv-utils';

let enabled = true;

/**
 * Turns the fused kernels off (false: plain conv2d/matMul + add + activation, as before) or
 * back on. For tests and benchmarks that compare the two paths; not part of the public API.
 */
export function setFusedKernels(on: boolean): void {
  enabled = on;
}

/** Whether the fused kernels are turned on (see setFusedKernels). */
export function fusedKernelsEnabled(): boolean {
  return enabled;
}

/**
 * The activation to fuse into the kernel for a layer's activation: itself when convkit has a
 * gradient for it fused (linear, relu), else 'linear' (the layer applies it as a separate op).
 */
export function fusedActivation(activation: ActivationName): 'linear' | 'relu' {
  return FUSED_GRAD_ACTIVATIONS.has(activation) ? (activation as 'linear' | 'relu') : 'linear';
}

/**
 * Whether to run `kernel` (FusedConv2D or _FusedMatMul) on the current backend: fusing is on,
 * there is something to fuse (a bias or an activation), and the backend registers the kernel
 * (tfjs's cpu, wasm, webgl and webgpu backends all do, with linear and relu).
 */
export function useFusedKernel(
  kernel: 'FusedConv2D' | '_FusedMatMul',
  hasBias: boolean,
  activation: 'linear' | 'relu',
): boolean {
  if (!enabled || (!hasBias && activation === 'linear')) return false;
  return tf.getKernel(kernel, tf.getBackend()) !== undefined;
}

/**
 * act(conv2d(x, filter) + bias) in one FusedConv2D kernel (NHWC, dilation 1). Called through
 * the engine so that convkit's registered gradient applies under a tape (lazy per input),
 * where tfjs-core's tf.fused.conv2d computes every gradient eagerly.
 */
export function fusedConv2d(
  x: tf.Tensor4D,
  filter: tf.Tensor4D,
  bias: tf.Tensor | undefined,
  strides: [number, number],
  pad: Padding,
  activation: 'linear' | 'relu',
): tf.Tensor4D {
  const inputs: Record<string, tf.Tensor> = bias ? { x, filter, bias } : { x, filter };
  const attrs = {
    strides,
    pad,
    dataFormat: 'NHWC',
    dilations: [1, 1],
    dimRoundingMode: undefined,
    activation,
    leakyreluAlpha: 0,
  };
  return tf.engine().runKernel('FusedConv2D', inputs as never, attrs as never) as tf.Tensor4D;
}

/**
 * act(a . b + bias) for 2D a [m, k] and b [k, n] in one _FusedMatMul kernel (which takes
 * batched 3D inputs, as tfjs-core's tf.fused.matMul passes them).
 */
export function fusedMatMul(
  a: tf.Tensor2D,
  b: tf.Tensor2D,
  bias: tf.Tensor | undefined,
  activation: 'linear' | 'relu',
): tf.Tensor2D {
  const [m, k] = a.shape;
  const n = b.shape[1];
  // The 3D views are freed here; a tape keeps what the gradients need.
  return tf.tidy(() => {
    const a3 = tf.reshape(a, [1, m, k]);
    const b3 = tf.reshape(b, [1, k, n]);
    const inputs: Record<string, tf.Tensor> = bias ? { a: a3, b: b3, bias } : { a: a3, b: b3 };
    const attrs = { transposeA: false, transposeB: false, activation, leakyreluAlpha: 0 };
    const y = tf.engine().runKernel('_FusedMatMul', inputs as never, attrs as never) as tf.Tensor3D;
    return tf.reshape(y, [m, n]);
  });
}
