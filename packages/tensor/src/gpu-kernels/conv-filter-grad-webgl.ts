import * as tf from '@tensorflow/tfjs-core';
import { convAlgorithms } from '../wasm-kernels/algorithms';
import { runFragments } from './webgl-program';

/** Fragments to aim for in the partial-sums draw: enough to fill a GPU that tfjs's kernel leaves idle. */
const TARGET_FRAGMENTS = 65536;
/** The fewest terms one fragment sums (shorter chunks would cost more in the second draw than they save). */
const MIN_CHUNK = 64;

/**
 * How the sum over samples and output positions (length R = batch x outHeight x outWidth) is cut
 * into `chunks` of `chunkLength` terms, one fragment per chunk and element of dW, so that small
 * filters still fill the GPU.
 */
export function splitFilterGradient(
  reduction: number,
  filterSize: number,
): { chunks: number; chunkLength: number } {
  const wanted = Math.max(1, Math.ceil(TARGET_FRAGMENTS / filterSize));
  const chunks = Math.max(1, Math.min(wanted, Math.floor(reduction / MIN_CHUNK)));
  const chunkLength = Math.ceil(reduction / chunks);
  return { chunks: Math.ceil(reduction / chunkLength), chunkLength };
}

/**
 * Conv2DBackpropFilter on webgl, for NHWC: dW[kh, kw, ci, co] = sum over n, oh, ow of
 * x[n, oh*sh + kh - top, ow*sw + kw - left, ci] * dy[n, oh, ow, co], in two draws: one fragment
 * per chunk of the sum and element of dW adds its chunk, then one fragment per element of dW
 * adds the chunks. tfjs-backend-webgl 4.22 draws one fragment per element of dW, which loops
 * over the whole batch (288 fragments for the chapter's first conv), as tfjs's WebGPU kernel
 * does. NCHW, WebGL 1 and `setConvAlgorithms({ webgl: 'tfjs' })` run `original`.
 */
export function conv2dBackpropFilterWebgl(original: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
    const attrs = args.attrs as unknown as tf.Conv2DBackpropFilterAttrs;
    // WebGL 1's GLSL has neither loops with bounds known only at run time nor integer %.
    const webgl1 = tf.env().getNumber('WEBGL_VERSION') === 1;
    if (attrs.dataFormat === 'NCHW' || convAlgorithms().webgl === 'tfjs' || webgl1) return original(args);
    const info = tf.backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number],
      attrs.filterShape,
      attrs.strides,
      1,
      attrs.pad,
      attrs.dimRoundingMode,
    );
    const rows = info.filterHeight * info.filterWidth * info.inChannels;
    const reduction = info.batchSize * info.outHeight * info.outWidth;
    const { chunks, chunkLength } = splitFilterGradient(reduction, rows * info.outChannels);
    const partial = runFragments(args.backend, {
      inputs: [x, dy],
      variableNames: ['X', 'Dy'],
      outputShape: [chunks, rows, info.outChannels],
      userCode: `
      void main() {
        ivec3 coords = getOutputCoords();
        int ci = coords.y % ${info.inChannels};
        int tap = coords.y / ${info.inChannels};
        int kh = tap / ${info.filterWidth};
        int kw = tap - kh * ${info.filterWidth};
        int start = coords.x * ${chunkLength};
        int end = min(start + ${chunkLength}, ${reduction});
        float total = 0.0;
        for (int r = start; r < end; r++) {
          int ow = r % ${info.outWidth};
          int q = r / ${info.outWidth};
          int oh = q % ${info.outHeight};
          int n = q / ${info.outHeight};
          int xr = oh * ${info.strideHeight} + kh - ${info.padInfo.top};
          int xc = ow * ${info.strideWidth} + kw - ${info.padInfo.left};
          if (xr >= 0 && xr < ${info.inHeight} && xc >= 0 && xc < ${info.inWidth}) {
            total += getX(n, xr, xc, ci) * getDy(n, oh, ow, coords.z);
          }
        }
        setOutput(total);
      }`,
    });
    const dw = runFragments(args.backend, {
      inputs: [partial],
      variableNames: ['P'],
      outputShape: attrs.filterShape,
      userCode: `
      void main() {
        ivec4 coords = getOutputCoords();
        int row = (coords.x * ${info.filterWidth} + coords.y) * ${info.inChannels} + coords.z;
        float total = 0.0;
        for (int c = 0; c < ${chunks}; c++) { total += getP(c, row, coords.w); }
        setOutput(total);
      }`,
    });
    (args.backend as { disposeIntermediateTensorInfo(t: tf.TensorInfo): void }).disposeIntermediateTensorInfo(
      partial,
    );
    return dw;
  };
}
