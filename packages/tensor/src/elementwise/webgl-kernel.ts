import type * as tf from '@tensorflow/tfjs-core';
import { runFragments } from '../gpu-kernels/webgl-program';
import { inputsInOrder } from '../kernel-inputs';
import { ELEMENTWISE_KERNEL, type ElementwiseAttrs } from './webgpu-kernel';

/** Computes one formula output (GLSL, see shader-code.ts) in one draw. */
function runFormula({ inputs, backend, attrs }: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const xs = inputsInOrder(inputs);
  const { body, scalars } = attrs as unknown as ElementwiseAttrs;
  return runFragments(backend, {
    inputs: xs,
    variableNames: xs.map((_, i) => `X${i}`),
    outputShape: xs[0].shape,
    uniforms: scalars.map((value, k) => ({ name: `s${k}`, value })),
    userCode: `
      float formula(${xs.map((_, i) => `float x${i}`).join(', ')}) {
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
