import type * as tf from '@tensorflow/tfjs-core';
import { SOFTMAX_GRAD_KERNEL } from './kernel-names';
import { runThreads } from './webgpu-program';

/** dx = y (dy - sum(dy y)) along each row, one thread per row (tfjs ops take 4 dispatches). */
function run({ inputs, backend }: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const { y, dy } = inputs as Record<string, tf.TensorInfo>;
  const [rows, units] = y.shape;
  return runThreads(backend, {
    key: 'softmax_grad',
    inputs: [y, dy],
    variableNames: ['Y', 'DY'],
    outputShape: [rows, units],
    threads: rows,
    uniforms: [
      { name: 'rows', type: 'i32', value: rows },
      { name: 'units', type: 'i32', value: units },
    ],
    main: `
      fn main(row : i32) {
        if (row >= uniforms.rows) { return; }
        let base = row * uniforms.units;
        var dot = 0.0;
        for (var j = 0; j < uniforms.units; j++) { dot += DY[base + j] * Y[base + j]; }
        for (var j = 0; j < uniforms.units; j++) { result[base + j] = Y[base + j] * (DY[base + j] - dot); }
      }`,
  });
}

/** The softmax gradient kernel on webgpu, for registration. */
export const SOFTMAX_GRAD_WEBGPU_KERNEL_CONFIG: tf.KernelConfig = {
  kernelName: SOFTMAX_GRAD_KERNEL,
  backendName: 'webgpu',
  kernelFunc: run,
};
