import type * as tf from '@tensorflow/tfjs-core';
import { SOFTMAX_GRAD_KERNEL } from './kernel-names';
import { runFragments } from './webgl-program';

/** dx = y (dy - sum(dy y)) along each row in one draw; each fragment sums its row (tfjs ops: 4 draws or more). */
function run({ inputs, backend }: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const { y, dy } = inputs as Record<string, tf.TensorInfo>;
  const [rows, units] = y.shape;
  return runFragments(backend, {
    inputs: [y, dy],
    variableNames: ['Y', 'DY'],
    outputShape: [rows, units],
    userCode: `
      void main() {
        ivec2 coords = getOutputCoords();
        int row = coords.x;
        float rowDot = 0.0;
        for (int j = 0; j < ${units}; j++) { rowDot += getDY(row, j) * getY(row, j); }
        setOutput(getY(row, coords.y) * (getDY(row, coords.y) - rowDot));
      }`,
  });
}

/** The softmax gradient kernel on webgl, for registration. */
export const SOFTMAX_GRAD_WEBGL_KERNEL_CONFIG: tf.KernelConfig = {
  kernelName: SOFTMAX_GRAD_KERNEL,
  backendName: 'webgl',
  kernelFunc: run,
};
