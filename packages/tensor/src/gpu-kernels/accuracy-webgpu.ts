import type * as tf from '@tensorflow/tfjs-core';
import { ACCURACY_KERNEL, type AccuracyMode } from './kernel-names';
import { runThreads } from './webgpu-program';

/** WGSL index of the first largest value in row `row` of buffer `X` (as tf.argMax). */
const argMax = (x: string) => `
  fn argMax${x}(base : i32, C : i32) -> i32 {
    var best = 0;
    for (var j = 1; j < C; j++) { if (${x}[base + j] > ${x}[base + best]) { best = j; } }
    return best;
  }`;

/** WGSL that sets `hit` for the sample `row`, as convkit's metrics compute it with tfjs ops. */
function rowCode(mode: AccuracyMode): string {
  switch (mode) {
    case 'categorical':
      return 'let hit = select(0.0, 1.0, argMaxT(base, C) == argMaxP(base, C));';
    case 'sparse':
      return 'let hit = select(0.0, 1.0, i32(T[row]) == argMaxP(base, C));';
    case 'binary':
      return `var hits = 0.0;
        for (var j = 0; j < C; j++) {
          hits += select(0.0, 1.0, f32(T[base + j]) == select(0.0, 1.0, P[base + j] > 0.5));
        }
        let hit = hits / f32(C);`;
  }
}

function run({ inputs, backend, attrs }: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const { mode } = attrs as unknown as { mode: AccuracyMode };
  const { labels, preds } = inputs as Record<string, tf.TensorInfo>;
  const [rows, classes] = preds.shape;
  return runThreads(backend, {
    key: `accuracy_${mode}`,
    inputs: [labels, preds],
    variableNames: ['T', 'P'],
    outputShape: [rows],
    threads: rows,
    uniforms: [
      { name: 'rows', type: 'i32', value: rows },
      { name: 'classes', type: 'i32', value: classes },
    ],
    main: `
      ${mode === 'categorical' ? argMax('T') : ''}
      ${mode === 'binary' ? '' : argMax('P')}
      fn main(row : i32) {
        if (row >= uniforms.rows) { return; }
        let C = uniforms.classes;
        let base = row * C;
        ${rowCode(mode)}
        result[row] = hit;
      }`,
  });
}

/** The accuracy kernel on webgpu, for registration. */
export const ACCURACY_WEBGPU_KERNEL_CONFIG: tf.KernelConfig = {
  kernelName: ACCURACY_KERNEL,
  backendName: 'webgpu',
  kernelFunc: run,
};
