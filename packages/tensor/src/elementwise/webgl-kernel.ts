import type * as tf from '@tensorflow/tfjs-core';
import { runFragments } from '../gpu-kernels/webgl-program';
import { inputsInOrder } from '../kernel-inputs';
import { ELEMENTWISE_KERNEL, type ElementwiseAttrs } from './webgpu-kernel';

/**
 * Computes one formula output (GLSL, see shader-code.ts) in one draw: over packed textures (a
 * vec4 per fragment) when `packed`, so that gradients from tfjs's packed convolutions and
 * matMuls go in, and weights for them come out, without a pack or unpack draw each.
 */
function runFormula({ inputs, backend, attrs }: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const xs = inputsInOrder(inputs);
  const { body, scalars, packed = false } = attrs as unknown as ElementwiseAttrs;
  const type = packed ? 'vec4' : 'float';
  return runFragments(backend, {
    inputs: xs,
    variableNames: xs.map((_, i) => `X${i}`),
    outputShape: xs[0].shape,
    packedInputs: packed,
    packedOutput: packed,
    uniforms: scalars.map((value, k) => ({ name: `s${k}`, value })),
    userCode: `
      ${type} formula(${xs.map((_, i) => `${type} x${i}`).join(', ')}) {
        ${body}
      }
      void main() {
        setOutput(formula(${xs.map((_, i) => `getX${i}AtOutCoords()`).join(', ')}));
      }`,
  });
}

/** The formula kernel's registration for the webgl backend. */
export const ELEMENTWISE_WEBGL_KERNEL_CONFIG: tf.KernelConfig = {
  kernelName: ELEMENTWISE_KERNEL,
  backendName: 'webgl',
  kernelFunc: runFormula,
};
