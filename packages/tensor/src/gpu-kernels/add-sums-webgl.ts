import type * as tf from '@tensorflow/tfjs-core';
import { inputsInOrder } from '../kernel-inputs';
import { ADD_SUMS_KERNEL } from './kernel-names';
import { runFragments } from './webgl-program';

/** One fragment per sum, in one draw (tfjs ops take k + 2 draws or more: k sums, a stack and an add). */
function run({ inputs, backend }: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const sums = inputs.sums as tf.TensorInfo;
  const vectors = inputsInOrder(inputs);
  const n = vectors[0].shape[0];
  const names = vectors.map((_, i) => `X${i}`);
  return runFragments(backend, {
    inputs: [sums, ...vectors],
    variableNames: ['S', ...names],
    outputShape: sums.shape,
    userCode: `
      void main() {
        int k = getOutputCoords();
        float total = 0.0;
        ${names
          .map((x, i) => `if (k == ${i}) { for (int j = 0; j < ${n}; j++) { total += get${x}(j); } }`)
          .join('\n        ')}
        setOutput(getS(k) + total);
      }`,
  });
}

/** The running-sums kernel on webgl, for registration. */
export const ADD_SUMS_WEBGL_KERNEL_CONFIG: tf.KernelConfig = {
  kernelName: ADD_SUMS_KERNEL,
  backendName: 'webgl',
  kernelFunc: run,
};
