import * as tf from '@tensorflow/tfjs-core';
import { runThreads } from '../gpu-kernels/webgpu-program';
import { inputsInOrder } from '../kernel-inputs';

/** The tfjs kernel that runs one formula output on WebGPU. */
export const ELEMENTWISE_KERNEL = 'ConvkitElementwise';

/** What the kernel is given besides its inputs x0, x1, ...: the formula as shader code (see shader-code.ts). */
export interface ElementwiseAttrs {
  body: string;
  scalars: number[];
  /** WebGL only: the body is over vec4s and the program reads and writes packed textures. */
  packed?: boolean;
}

/**
 * Computes one formula output over flat float32 inputs, one thread per element or, where the
 * size is a multiple of 4, per 4 elements (vec4<f32>).
 */
function runFormula({ inputs, backend, attrs }: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const xs = inputsInOrder(inputs);
  const { shape } = xs[0];
  const size = tf.util.sizeFromShape(shape);
  const { body, scalars } = attrs as unknown as ElementwiseAttrs;
  const components = size % 4 === 0 ? 4 : 1;
  const type = components === 4 ? 'vec4<f32>' : 'f32';
  const params = xs.map((_, i) => `x${i} : Ew`).join(', ');
  const reads = xs.map((_, i) => `X${i}[index]`).join(', ');
  const out = runThreads(backend, {
    key: `elementwise_${components}_${body}`,
    inputs: xs.map((x) => ({ ...x, shape: [size] })),
    variableNames: xs.map((_, i) => `X${i}`),
    outputShape: [size],
    threads: size / components,
    components,
    uniforms: [
      { name: 'count', type: 'i32', value: size / components },
      ...scalars.map((value, k) => ({ name: `s${k}`, type: 'f32' as const, value })),
    ],
    main: `
      alias Ew = ${type};
      fn formula(${params}) -> Ew {
        ${body}
      }
      fn main(index : i32) {
        if (index < uniforms.count) {
          result[index] = formula(${reads});
        }
      }`,
  });
  return { ...out, shape };
}

/** The formula kernel's registration for the webgpu backend. */
export const ELEMENTWISE_KERNEL_CONFIG: tf.KernelConfig = {
  kernelName: ELEMENTWISE_KERNEL,
  backendName: 'webgpu',
  kernelFunc: runFormula,
};
