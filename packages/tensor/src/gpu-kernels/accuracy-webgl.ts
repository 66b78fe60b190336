import type * as tf from '@tensorflow/tfjs-core';
import { ACCURACY_KERNEL, type AccuracyMode } from './kernel-names';
import { runFragments } from './webgl-program';

/** GLSL index of the first largest value in row `row` of input `x` (as tf.argMax). */
const argMax = (x: string, classes: number) => `
  int argMax${x}(int row) {
    int best = 0;
    float top = get${x}(row, 0);
    for (int j = 1; j < ${classes}; j++) {
      float v = get${x}(row, j);
      if (v > top) { best = j; top = v; }
    }
    return best;
  }`;

/** GLSL that sets `hit` for the sample `row`, as the WebGPU kernel (accuracy-webgpu.ts) does. */
function rowCode(mode: AccuracyMode, classes: number): string {
  switch (mode) {
    case 'categorical':
      return 'float hit = argMaxT(row) == argMaxP(row) ? 1.0 : 0.0;';
    case 'sparse':
      return 'float hit = int(getT(row)) == argMaxP(row) ? 1.0 : 0.0;';
    case 'binary':
      return `float hits = 0.0;
        for (int j = 0; j < ${classes}; j++) {
          hits += getT(row, j) == (getP(row, j) > 0.5 ? 1.0 : 0.0) ? 1.0 : 0.0;
        }
        float hit = hits / ${classes}.0;`;
  }
}

function run({ inputs, backend, attrs }: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const { mode } = attrs as unknown as { mode: AccuracyMode };
  const { labels, preds } = inputs as Record<string, tf.TensorInfo>;
  const [rows, classes] = preds.shape;
  return runFragments(backend, {
    inputs: [labels, preds],
    variableNames: ['T', 'P'],
    outputShape: [rows],
    userCode: `
      ${mode === 'categorical' ? argMax('T', classes) : ''}
      ${mode === 'binary' ? '' : argMax('P', classes)}
      void main() {
        int row = getOutputCoords();
        ${rowCode(mode, classes)}
        setOutput(hit);
      }`,
  });
}

/** The accuracy kernel on webgl, for registration. */
export const ACCURACY_WEBGL_KERNEL_CONFIG: tf.KernelConfig = {
  kernelName: ACCURACY_KERNEL,
  backendName: 'webgl',
  kernelFunc: run,
};
