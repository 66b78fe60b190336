import type * as tf from '@tensorflow/tfjs-core';
import { convkitWebglKernelsActive, PACKED_HELPERS_GLSL, runFragments } from './webgl-program';

/** GLSL names of the output coordinates, by rank (tfjs gives ranks 1 to 4 as int and ivec2-4). */
const COORDS = [
  [],
  ['coords'],
  ['coords.x', 'coords.y'],
  ['coords.x', 'coords.y', 'coords.z'],
  ['coords.x', 'coords.y', 'coords.z', 'coords.w'],
];

/**
 * Softmax over the last axis on webgl in one draw, one fragment per output: it reads its row from
 * the packed logits (as tfjs's dense layers and matMuls write them) and writes an unpacked
 * texture (as convkit's crossentropy, accuracy and softmax-gradient kernels read it), computing
 * exp(x - max) / sum(exp(x - max)) as tfjs's cpu backend does. tfjs-backend-webgl 4.22 takes
 * about nine draws (a max and a sum, each a reduction with its unpack, subtract, exp, divide,
 * and pack conversions). Ranks above 4, WebGL 1, WEBGL_PACK off and
 * `setConvAlgorithms({ webgl: 'tfjs' })` run `original`.
 */
export function softmaxWebgl(original: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const logits = args.inputs.logits as tf.TensorInfo;
    const rank = logits.shape.length;
    if (!convkitWebglKernelsActive() || rank > 4 || logits.dtype !== 'float32') {
      return original(args);
    }
    const units = logits.shape[rank - 1];
    const coords = COORDS[rank];
    const column = coords[rank - 1];
    // The texel of the row's pair of columns (j, j + 1); for rank 1 its lanes are x and y.
    const pair = (j: string) =>
      rank === 1
        ? `getX(${j}).xy`
        : `lanes(getX(${[...coords.slice(0, -1), j].join(', ')}), ${coords[rank - 2]})`;
    return runFragments(args.backend, {
      inputs: [logits],
      variableNames: ['X'],
      outputShape: logits.shape,
      packedInputs: true,
      userCode: `
      ${PACKED_HELPERS_GLSL}
      void main() {
        ${rank === 1 ? 'int' : `ivec${rank}`} coords = getOutputCoords();
        float rowMax = negInf();
        for (int j = 0; j < ${units}; j += 2) {
          vec2 v = ${pair('j')};
          rowMax = max(rowMax, j + 1 < ${units} ? max(v.x, v.y) : v.x);
        }
        // Summed in blocks of 32, then the blocks: a long row (1,000 classes) keeps float32's precision.
        float total = 0.0;
        for (int block = 0; block < ${units}; block += 32) {
          float blockTotal = 0.0;
          for (int j = block; j < min(block + 32, ${units}); j += 2) {
            vec2 e = exp(${pair('j')} - rowMax);
            blockTotal += j + 1 < ${units} ? e.x + e.y : e.x;
          }
          total += blockTotal;
        }
        vec2 own = ${pair(`${column} - (${column} & 1)`)};
        setOutput(exp(((${column} & 1) == 0 ? own.x : own.y) - rowMax) / total);
      }`,
    });
  };
}
