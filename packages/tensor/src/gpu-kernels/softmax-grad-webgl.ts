import type * as tf from '@tensorflow/tfjs-core';
import { SOFTMAX_GRAD_KERNEL } from './kernel-names';
import { runFragments } from './webgl-program';

/**
 * dx = y (dy - sum(dy y)) along each row in one draw (tfjs ops: 4 draws or more). It reads y and
 * dy unpacked (as convkit's softmax and crossentropy gradient write them) and writes a packed
 * texture, whose 2x2 blocks cover two rows, for the matMuls of the dense layer's gradient.
 */
function run({ inputs, backend }: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const { y, dy } = inputs as Record<string, tf.TensorInfo>;
  const [rows, units] = y.shape;
  return runFragments(backend, {
    inputs: [y, dy],
    variableNames: ['Y', 'DY'],
    outputShape: [rows, units],
    packedOutput: true,
    userCode: `
      float rowDot(int row) {
        float total = 0.0;
        if (row < ${rows}) {
          for (int j = 0; j < ${units}; j++) { total += getDY(row, j) * getY(row, j); }
        }
        return total;
      }
      float dx(int row, int j, float dot) {
        return row < ${rows} && j < ${units} ? getY(row, j) * (getDY(row, j) - dot) : 0.0;
      }
      void main() {
        ivec2 c = getOutputCoords();
        float top = rowDot(c.x);
        float bottom = rowDot(c.x + 1);
        setOutput(vec4(dx(c.x, c.y, top), dx(c.x, c.y + 1, top), dx(c.x + 1, c.y, bottom), dx(c.x + 1, c.y + 1, bottom)));
      }`,
  });
}

/** The softmax gradient kernel on webgl, for registration. */
export const SOFTMAX_GRAD_WEBGL_KERNEL_CONFIG: tf.KernelConfig = {
  kernelName: SOFTMAX_GRAD_KERNEL,
  backendName: 'webgl',
  kernelFunc: run,
};
