import { elementwise, ew } from '@convkit/tensor';
import type * as tf from '@tensorflow/tfjs-core';
import { usageError } from '../core/errors';
import { batchMatMulGradFuncs, conv2dGradFuncs } from './nn';
import { type GradConfig, unbroadcast } from './util';

type T = tf.Tensor;

/** Activations whose derivative convkit computes from the fused kernel's saved output. */
export const FUSED_GRAD_ACTIVATIONS: ReadonlySet<string> = new Set(['linear', 'relu']);

/**
 * The gradient with respect to the pre-activation sum z, from the gradient dy of y = act(z):
 * relu' is 1 where y > 0 (same as z > 0), else 0 (dy * step(y): one dispatch on WebGPU and
 * WebGL, two ops elsewhere); linear passes dy.
 */
function preActivationGrad(dy: T, y: T, activation: unknown): T {
  const name = (activation as string | undefined) ?? 'linear';
  if (name === 'linear') return dy;
  if (name === 'relu') return elementwise([dy, y], ([dy, y]) => [ew.mul(dy, ew.step(y))])[0];
  return usageError(
    `Gradients of fused kernels with activation '${name}' are not supported; expected one of ${[...FUSED_GRAD_ACTIVATIONS].join(', ')} (use the plain ops for others).`,
  );
}

/** The gradient of a rank-1 bias added along the last axis of `dz`. */
function biasGrad(dz: T): T {
  return unbroadcast(dz, [dz.shape[dz.rank - 1]]);
}

/**
 * Gradients of tfjs's fused kernels FusedConv2D (conv2d + bias + activation) and _FusedMatMul
 * (batched matMul + bias + activation), for the layers' training path: one forward kernel in
 * place of three. The derivative of the activation comes from the saved output (relu: y > 0);
 * the input, weight and bias gradients are separate lazy functions, so the engine computes
 * only those that are needed (the first layer never computes one for the input images).
 * Supports linear and relu, NHWC, dilation 1 and a rank-1 bias (what the layers pass).
 */
export const FUSED_GRADIENTS: GradConfig[] = [
  {
    kernelName: 'FusedConv2D',
    inputsToSave: ['x', 'filter'],
    outputsToSave: [true],
    gradFunc: (dy, [x, filter, y], attrs) => {
      // The engine only calls this when some input needs a gradient, and each needs dz.
      const dz = preActivationGrad(dy as T, y, attrs.activation);
      return { ...conv2dGradFuncs(dz, x, filter, attrs), bias: () => biasGrad(dz) };
    },
  },
  {
    kernelName: '_FusedMatMul',
    inputsToSave: ['a', 'b'],
    outputsToSave: [true],
    gradFunc: (dy, [a, b, y], attrs) => {
      const dz = preActivationGrad(dy as T, y, attrs.activation);
      return { ...batchMatMulGradFuncs(dz, a, b, attrs), bias: () => biasGrad(dz) };
    },
  },
];
