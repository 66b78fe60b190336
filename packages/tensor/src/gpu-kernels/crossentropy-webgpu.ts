import type * as tf from '@tensorflow/tfjs-core';
import {
  CROSSENTROPY_GRAD_KERNEL,
  CROSSENTROPY_KERNEL,
  type CrossentropyAttrs,
  type CrossentropyMode,
} from './kernel-names';
import { runThreads } from './webgpu-program';

/**
 * WGSL that sets `loss` for the sample `row` or (with `grad`) writes d loss / d preds times
 * DY[row] to result: the same formulas as convkit's losses written as tfjs ops, gradients of
 * the clip included (zero outside [epsilon, 1 - epsilon], the bounds inside), in one thread.
 */
function rowCode(mode: CrossentropyMode, grad: boolean): string {
  const clip =
    'let inside = q >= uniforms.epsilon && q <= 1.0 - uniforms.epsilon;\n' +
    'let qc = clamp(q, uniforms.epsilon, 1.0 - uniforms.epsilon);';
  const write = (value: string) => (grad ? `result[base + j] = DY[row] * ${value};` : '');
  switch (mode) {
    case 'categorical': {
      // p normalised to sum 1, clipped: loss = -sum t log q. With g = -t / q (0 outside the
      // clip), d loss / d p_k = (g_k - sum_j g_j q_j) / s.
      const gradLoop = `for (var j = 0; j < C; j++) {
          let q = P[base + j] / s;
          ${clip}
          ${write('(select(0.0, -f32(T[base + j]) / qc, inside) - gq) / s')}
        }`;
      return `
        var s = 0.0;
        for (var j = 0; j < C; j++) { s += P[base + j]; }
        var loss = 0.0;
        var gq = 0.0;
        for (var j = 0; j < C; j++) {
          let q = P[base + j] / s;
          ${clip}
          loss -= f32(T[base + j]) * log(qc);
          gq += select(0.0, -f32(T[base + j]) / qc, inside) * q;
        }
        ${grad ? gradLoop : ''}`;
    }
    case 'sparse': {
      // p clipped: loss = log(sum p) - log p[label]; d / d p_k = 1 / s - [k = label] / p[label].
      const gradLoop = `for (var j = 0; j < C; j++) {
          let q = P[base + j];
          ${clip}
          ${write('select(0.0, 1.0 / s - select(0.0, 1.0 / picked, j == label), inside)')}
        }`;
      return `
        let label = i32(T[row]);
        var s = 0.0;
        for (var j = 0; j < C; j++) { s += clamp(P[base + j], uniforms.epsilon, 1.0 - uniforms.epsilon); }
        var picked = 0.0;
        if (label >= 0 && label < C) { picked = clamp(P[base + label], uniforms.epsilon, 1.0 - uniforms.epsilon); }
        let loss = log(s) - log(picked);
        ${grad ? gradLoop : ''}`;
    }
    case 'binary':
      // p clipped: loss = -mean(t log(p + eps) + (1 - t) log(1 - p + eps)).
      return `
        var sum = 0.0;
        for (var j = 0; j < C; j++) {
          let q = P[base + j];
          ${clip}
          let t = f32(T[base + j]);
          sum += t * log(qc + uniforms.epsilon) + (1.0 - t) * log(1.0 - qc + uniforms.epsilon);
          ${write('select(0.0, ((1.0 - t) / (1.0 - qc + uniforms.epsilon) - t / (qc + uniforms.epsilon)) / f32(C), inside)')}
        }
        let loss = -sum / f32(C);`;
  }
}

function run(grad: boolean, { inputs, backend, attrs }: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const { mode, epsilon } = attrs as unknown as CrossentropyAttrs;
  const { labels, preds, dy } = inputs as Record<string, tf.TensorInfo>;
  const [rows, classes] = preds.shape;
  return runThreads(backend, {
    key: `crossentropy_${mode}_${grad}`,
    inputs: grad ? [labels, preds, dy] : [labels, preds],
    variableNames: grad ? ['T', 'P', 'DY'] : ['T', 'P'],
    outputShape: grad ? [rows, classes] : [rows],
    threads: rows,
    uniforms: [
      { name: 'rows', type: 'i32', value: rows },
      { name: 'classes', type: 'i32', value: classes },
      { name: 'epsilon', type: 'f32', value: epsilon },
    ],
    main: `
      fn main(row : i32) {
        if (row >= uniforms.rows) { return; }
        let C = uniforms.classes;
        let base = row * C;
        ${rowCode(mode, grad)}
        ${grad ? '' : 'result[row] = loss;'}
      }`,
  });
}

/** The crossentropy kernel and its gradient kernel on webgpu, for registration. */
export const CROSSENTROPY_WEBGPU_KERNEL_CONFIGS: tf.KernelConfig[] = [
  { kernelName: CROSSENTROPY_KERNEL, backendName: 'webgpu', kernelFunc: (a) => run(false, a) },
  { kernelName: CROSSENTROPY_GRAD_KERNEL, backendName: 'webgpu', kernelFunc: (a) => run(true, a) },
];
