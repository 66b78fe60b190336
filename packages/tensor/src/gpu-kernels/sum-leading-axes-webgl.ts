import * as tf from '@tensorflow/tfjs-core';
import { convkitWebglKernelsActive, disposeIntermediate, runFragments } from './webgl-program';

/** The fewest pairs of rows one fragment of the first draw adds (fewer would make the second draw long). */
const MIN_CHUNK_PAIRS = 32;

/**
 * How the pairs of rows (one packed texel each, per pair of columns) are cut into chunks: about
 * the square root of their number, so that both draws of a long sum are short; one chunk (one
 * draw) for at most 2 x MIN_CHUNK_PAIRS pairs.
 */
export function splitRowPairs(pairs: number): { chunks: number; chunkPairs: number } {
  const chunkPairs = Math.max(MIN_CHUNK_PAIRS, Math.ceil(Math.sqrt(pairs)));
  if (pairs <= 2 * MIN_CHUNK_PAIRS) return { chunks: 1, chunkPairs: pairs };
  return { chunks: Math.ceil(pairs / chunkPairs), chunkPairs };
}

/** Whether a Sum adds up every axis but the last, as a bias gradient does. */
function sumsLeadingAxes(shape: number[], axis: number | number[]): boolean {
  const rank = shape.length;
  const axes = tf.util.parseAxisParam(axis, shape).sort((a, b) => a - b);
  return rank >= 2 && axes.length === rank - 1 && axes.every((a, i) => a === i);
}

/**
 * Sum over every axis but the last (bias gradients: dy [n, h, w, c] to [c]) on webgl, reading
 * the packed input as tfjs's convolutions and matMuls write it: each fragment adds a chunk of
 * rows for two columns, two rows per texel, then a second draw adds the chunks (one draw for
 * short sums); the output is packed. tfjs-backend-webgl 4.22 transposes the input, unpacks it
 * and reduces in up to three draws. Other axes, other dtypes, WebGL 1, WEBGL_PACK off and
 * `setConvAlgorithms({ webgl: 'tfjs' })` run `original`.
 */
export function sumLeadingAxesWebgl(original: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const x = args.inputs.x as tf.TensorInfo;
    const { axis, keepDims } = args.attrs as unknown as tf.SumAttrs;
    if (
      !convkitWebglKernelsActive() ||
      x.dtype !== 'float32' ||
      x.shape.length > 4 ||
      tf.util.sizeFromShape(x.shape) === 0 ||
      !sumsLeadingAxes(x.shape, axis)
    ) {
      return original(args);
    }
    const rank = x.shape.length;
    const cols = x.shape[rank - 1];
    const rowsPerPair = x.shape[rank - 2];
    const pairsPerRun = Math.ceil(rowsPerPair / 2);
    const outer = x.shape.slice(0, rank - 2);
    const pairs = outer.reduce((a, b) => a * b, 1) * pairsPerRun;
    const { chunks, chunkPairs } = splitRowPairs(pairs);
    const outerCoords = outer.map((_, i) => {
      const inner = outer.slice(i + 1).reduce((a, b) => a * b, 1);
      return i === 0 ? `o / ${inner}` : `(o / ${inner}) % ${outer[i]}`;
    });
    // GLSL: the sum of pairs of rows [start, end) at columns (col, col + 1).
    const sumPairs = `
      vec2 sumPairs(int start, int end, int col) {
        vec2 total = vec2(0.0);
        for (int p = start; p < end; p++) {
          int o = p / ${pairsPerRun};
          int row = (p - o * ${pairsPerRun}) * 2;
          vec4 t = getX(${[...outerCoords, 'row', 'col'].join(', ')});
          total += row + 1 < ${rowsPerPair} ? t.xy + t.zw : t.xy;
        }
        return total;
      }`;
    const outShape = keepDims ? [...x.shape.slice(0, -1).map(() => 1), cols] : [cols];
    // The output's column: the last of its coordinates.
    const outCol = outShape.length === 1 ? 'getOutputCoords()' : `getOutputCoords()[${outShape.length - 1}]`;
    const run = (input: tf.TensorInfo, name: string, outputShape: number[], userCode: string) =>
      runFragments(args.backend, {
        inputs: [input],
        variableNames: [name],
        outputShape,
        packedInputs: true,
        packedOutput: true,
        userCode,
      });
    if (chunks === 1) {
      return run(
        x,
        'X',
        outShape,
        `
      ${sumPairs}
      void main() {
        setOutput(vec4(sumPairs(0, ${pairs}, ${outCol}), 0.0, 0.0));
      }`,
      );
    }
    // One row per chunk; each texel adds two chunks (its two rows) for two columns.
    const partial = run(
      x,
      'X',
      [chunks, cols],
      `
      ${sumPairs}
      vec2 chunkSum(int chunk, int col) {
        return chunk < ${chunks} ? sumPairs(chunk * ${chunkPairs}, min((chunk + 1) * ${chunkPairs}, ${pairs}), col) : vec2(0.0);
      }
      void main() {
        ivec2 coords = getOutputCoords();
        setOutput(vec4(chunkSum(coords.x, coords.y), chunkSum(coords.x + 1, coords.y)));
      }`,
    );
    const sum = run(
      partial,
      'P',
      outShape,
      `
      void main() {
        int col = ${outCol};
        vec2 total = vec2(0.0);
        for (int k = 0; k < ${chunks}; k += 2) {
          vec4 t = getP(k, col);
          total += t.xy + t.zw;
        }
        setOutput(vec4(total, 0.0, 0.0));
      }`,
    );
    disposeIntermediate(args.backend, partial);
    return sum;
  };
}
