import type * as tf from '@tensorflow/tfjs-core';
import { runThreads } from './program';

/** Softmax's gradient over the last axis on WebGPU: inputs y (softmax's output), dy; output dx. */
export const SOFTMAX_GRAD_KERNEL = 'ConvkitSoftmaxGrad';

/** dx = y (dy - sum(dy y)) along each row, one thread per row (tfjs ops take 4 dispatches). */
function run({ inputs, backend }: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const { y, dy } = inputs as Record<string, tf.TensorInfo>;
  const units = y.shape[y.shape.length - 1];
  const rows = y.shape.reduce((n, d) => n * d, 1) / units;
  const out = runThreads(backend, {
    key: 'softmax_grad',
    inputs: [y, dy].map((t) => ({ ...t, shape: [rows, units] })),
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
  return { ...out, shape: y.shape };
}

/** The softmax gradient kernel, for registration. */
export const SOFTMAX_GRAD_KERNEL_CONFIG: tf.KernelConfig = {
  kernelName: SOFTMAX_GRAD_KERNEL,
  backendName: 'webgpu',
  kernelFunc: run,
};
