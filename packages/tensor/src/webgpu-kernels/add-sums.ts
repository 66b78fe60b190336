import type * as tf from '@tensorflow/tfjs-core';
import { inputsInOrder } from '../kernel-inputs';
import { runThreads } from './program';

/** Running sums on WebGPU: inputs sums [k], x0 ... x(k-1) (each [n]); output sums + [sum(x0), ...]. */
export const ADD_SUMS_KERNEL = 'ConvkitAddSums';

/** One thread per sum (tfjs ops take k + 2 dispatches: k sums, a stack and an add). */
function run({ inputs, backend }: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const sums = inputs.sums as tf.TensorInfo;
  const vectors = inputsInOrder(inputs);
  const n = vectors[0].shape.reduce((a, d) => a * d, 1);
  const names = vectors.map((_, i) => `X${i}`);
  return runThreads(backend, {
    key: `add_sums_${vectors.length}`,
    inputs: [sums, ...vectors.map((v) => ({ ...v, shape: [n] }))],
    variableNames: ['S', ...names],
    outputShape: sums.shape,
    threads: vectors.length,
    uniforms: [{ name: 'n', type: 'i32', value: n }],
    main: `
      fn main(k : i32) {
        var total = 0.0;
        ${names
          .map((x, i) => `if (k == ${i}) { for (var j = 0; j < uniforms.n; j++) { total += f32(${x}[j]); } }`)
          .join('\n        ')}
        if (k < ${vectors.length}) { result[k] = S[k] + total; }
      }`,
  });
}

/** The running-sums kernel, for registration. */
export const ADD_SUMS_KERNEL_CONFIG: tf.KernelConfig = {
  kernelName: ADD_SUMS_KERNEL,
  backendName: 'webgpu',
  kernelFunc: run,
};
