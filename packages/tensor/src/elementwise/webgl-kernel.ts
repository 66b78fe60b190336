import type * as tf from '@tensorflow/tfjs-core';
import { inputsInOrder } from '../kernel-inputs';
import { ELEMENTWISE_KERNEL, type ElementwiseAttrs } from './webgpu-kernel';

/** The part of tfjs-backend-webgl's MathBackendWebGL that the kernel uses. */
interface WebglBackendLike {
  runWebGLProgram(
    program: object,
    inputs: tf.TensorInfo[],
    dtype: tf.DataType,
    customUniformValues?: number[][],
  ): tf.TensorInfo;
}

/** Computes one formula output (GLSL, see shader-code.ts) in one draw: a tfjs-backend-webgl program. */
function runFormula({ inputs, backend, attrs }: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const xs = inputsInOrder(inputs);
  const { body, scalars } = attrs as unknown as ElementwiseAttrs;
  const program = {
    variableNames: xs.map((_, i) => `X${i}`),
    outputShape: xs[0].shape,
    customUniforms: scalars.map((_, k) => ({ name: `s${k}`, type: 'float' })),
    userCode: `
      float formula(${xs.map((_, i) => `float x${i}`).join(', ')}) {
        ${body}
      }
      void main() {
        setOutput(formula(${xs.map((_, i) => `getX${i}AtOutCoords()`).join(', ')}));
      }`,
  };
  return (backend as unknown as WebglBackendLike).runWebGLProgram(
    program,
    xs,
    'float32',
    scalars.map((v) => [v]),
  );
}

/** The formula kernel's registration for the webgl backend. */
export const ELEMENTWISE_WEBGL_KERNEL_CONFIG: tf.KernelConfig = {
  kernelName: ELEMENTWISE_KERNEL,
  backendName: 'webgl',
  kernelFunc: runFormula,
};
