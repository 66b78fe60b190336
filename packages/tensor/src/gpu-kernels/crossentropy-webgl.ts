import type * as tf from '@tensorflow/tfjs-core';
import {
  CROSSENTROPY_GRAD_KERNEL,
  CROSSENTROPY_KERNEL,
  type CrossentropyAttrs,
  type CrossentropyMode,
} from './kernel-names';
import { runFragments } from './webgl-program';

/** GLSL: `qc`, q clipped to [epsilon, 1 - epsilon], and `inside`, whether q was in that range. */
const CLIP = `float qc = clamp(q, epsilon, 1.0 - epsilon);
        bool inside = q >= epsilon && q <= 1.0 - epsilon;`;

/**
 * GLSL for one fragment: `loss` of sample `row` or (with `grad`) d loss / d preds[row, k], the
 * formulas of the WebGPU kernel (crossentropy-webgpu.ts) over C = `classes` units. A gradient
 * fragment recomputes the row's sums it needs (C reads each).
 */
function fragmentCode(mode: CrossentropyMode, grad: boolean, classes: number): string {
  const loop = (body: string) => `for (int j = 0; j < ${classes}; j++) { ${body} }`;
  switch (mode) {
    case 'categorical': {
      // p normalised to sum 1, clipped: loss = -sum t log q. With g = -t / q (0 outside the
      // clip), d loss / d p_k = (g_k - sum_j g_j q_j) / s.
      const rowSums = `
        float s = 0.0;
        ${loop('s += getP(row, j);')}
        float loss = 0.0;
        float gq = 0.0;
        ${loop(`float q = getP(row, j) / s;
          ${CLIP}
          float t = getT(row, j);
          loss -= t * log(qc);
          gq += (inside ? -t / qc : 0.0) * q;`)}`;
      if (!grad) return rowSums;
      return `${rowSums}
        float q = getP(row, k) / s;
        ${CLIP}
        float d = ((inside ? -getT(row, k) / qc : 0.0) - gq) / s;`;
    }
    case 'sparse': {
      // p clipped: loss = log(sum p) - log p[label]; d / d p_k = 1 / s - [k = label] / p[label].
      const rowSums = `
        int label = int(getT(row));
        float s = 0.0;
        float picked = 0.0;
        ${loop(`float qc = clamp(getP(row, j), epsilon, 1.0 - epsilon);
          s += qc;
          if (j == label) { picked = qc; }`)}
        float loss = log(s) - log(picked);`;
      if (!grad) return rowSums;
      return `${rowSums}
        float q = getP(row, k);
        ${CLIP}
        float d = inside ? 1.0 / s - (k == label ? 1.0 / picked : 0.0) : 0.0;`;
    }
    case 'binary': {
      // p clipped: loss = -mean(t log(p + eps) + (1 - t) log(1 - p + eps)); each unit's
      // gradient needs only its own p and t.
      if (grad) {
        return `
        float q = getP(row, k);
        ${CLIP}
        float t = getT(row, k);
        float d = inside ? ((1.0 - t) / (1.0 - qc + epsilon) - t / (qc + epsilon)) / ${classes}.0 : 0.0;`;
      }
      return `
        float sum = 0.0;
        ${loop(`float q = getP(row, j);
          ${CLIP}
          float t = getT(row, j);
          sum += t * log(qc + epsilon) + (1.0 - t) * log(1.0 - qc + epsilon);`)}
        float loss = -sum / ${classes}.0;`;
    }
  }
}

function run(grad: boolean, { inputs, backend, attrs }: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const { mode, epsilon } = attrs as unknown as CrossentropyAttrs;
  const { labels, preds, dy } = inputs as Record<string, tf.TensorInfo>;
  const [rows, classes] = preds.shape;
  return runFragments(backend, {
    inputs: grad ? [labels, preds, dy] : [labels, preds],
    variableNames: grad ? ['T', 'P', 'DY'] : ['T', 'P'],
    outputShape: grad ? [rows, classes] : [rows],
    uniforms: [{ name: 'epsilon', value: epsilon }],
    userCode: grad
      ? `void main() {
          ivec2 coords = getOutputCoords();
          int row = coords.x;
          int k = coords.y;
          ${fragmentCode(mode, true, classes)}
          setOutput(getDY(row) * d);
        }`
      : `void main() {
          int row = getOutputCoords();
          ${fragmentCode(mode, false, classes)}
          setOutput(loss);
        }`,
  });
}

/** The crossentropy kernel and its gradient kernel on webgl, for registration. */
export const CROSSENTROPY_WEBGL_KERNEL_CONFIGS: tf.KernelConfig[] = [
  { kernelName: CROSSENTROPY_KERNEL, backendName: 'webgl', kernelFunc: (a) => run(false, a) },
  { kernelName: CROSSENTROPY_GRAD_KERNEL, backendName: 'webgl', kernelFunc: (a) => run(true, a) },
];
