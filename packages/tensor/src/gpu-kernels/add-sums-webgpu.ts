import type * as tf from '@tensorflow/tfjs-core';
import { inputsInOrder } from '../kernel-inputs';
import { ADD_SUMS_KERNEL } from './kernel-names';
import { runThreads } from './webgpu-program';

/** One thread per sum (tfjs ops take k + 2 dispatches: k sums, a stack and an add). */
function run({ inputs, backend }: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const sums = inputs.sums as tf.TensorInfo;
  const vectors = inputsInOrder(inputs);
  const names = vectors.map((_, i) => `X${i}`);
  return runThreads(backend, {
    key: `add_sums_${vectors.length}`,
    inputs: [sums, ...vectors],
    variableNames: ['S', ...names],
    outputShape: sums.shape,
    threads: vectors.length,
    uniforms: [{ name: 'n', type: 'i32', value: vectors[0].shape[0] }],
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

/** The running-sums kernel on webgpu, for registration. */
export const ADD_SUMS_WEBGPU_KERNEL_CONFIG: tf.KernelConfig = {
  kernelName: ADD_SUMS_KERNEL,
  backendName: 'webgpu',
  kernelFunc: run,
};
