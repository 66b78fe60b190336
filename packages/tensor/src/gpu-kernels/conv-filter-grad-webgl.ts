import * as tf from '@tensorflow/tfjs-core';
import {
  convkitWebglKernelsActive,
  disposeIntermediate,
  PACKED_HELPERS_GLSL,
  runFragments,
} from './webgl-program';

/** Fragments to aim for in the partial-sums draw: enough to fill a GPU that tfjs's kernel leaves idle. */
const TARGET_FRAGMENTS = 65536;
/** The fewest terms one fragment sums (shorter chunks would cost more in the second draw than they save). */
const MIN_CHUNK = 64;

/**
 * How the sum over samples and output positions (length R = batch x outHeight x outWidth) is cut
 * into `chunks` of `chunkLength` terms, for `fragmentsPerChunk` fragments each (one per 2x2 block
 * of dW), so that small filters still fill the GPU.
 */
export function splitFilterGradient(
  reduction: number,
  fragmentsPerChunk: number,
): { chunks: number; chunkLength: number } {
  const wanted = Math.max(1, Math.ceil(TARGET_FRAGMENTS / fragmentsPerChunk));
  const chunks = Math.max(1, Math.min(wanted, Math.floor(reduction / MIN_CHUNK)));
  const chunkLength = Math.ceil(reduction / chunks);
  return { chunks: Math.ceil(reduction / chunkLength), chunkLength };
}

/**
 * Conv2DBackpropFilter on webgl, for NHWC: dW[kh, kw, ci, co] = sum over n, oh, ow of
 * x[n, oh*sh + kh - top, ow*sw + kw - left, ci] * dy[n, oh, ow, co], in two draws over packed
 * textures (as tfjs's convolutions write dy, and as convkit's max-pooling writes x): one fragment
 * per chunk of the sum and 2x2 block (two in-channels by two out-channels) of dW adds the
 * chunk's outer products of x's and dy's pairs of channels, then one fragment per block of dW
 * adds the chunks; dW comes out packed, as the optimizer's update reads it. tfjs-backend-webgl
 * 4.22 draws one fragment per element of dW, which loops over the whole batch (288 fragments for
 * the chapter's first conv), as tfjs's WebGPU kernel does. NCHW, WebGL 1, WEBGL_PACK off and
 * `setConvAlgorithms({ webgl: 'tfjs' })` run `original`.
 */
export function conv2dBackpropFilterWebgl(original: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
    const attrs = args.attrs as unknown as tf.Conv2DBackpropFilterAttrs;
    if (attrs.dataFormat === 'NCHW' || !convkitWebglKernelsActive()) return original(args);
    const info = tf.backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number],
      attrs.filterShape,
      attrs.strides,
      1,
      attrs.pad,
      attrs.dimRoundingMode,
    );
    const taps = info.filterHeight * info.filterWidth;
    const blocks = taps * Math.ceil(info.inChannels / 2) * Math.ceil(info.outChannels / 2);
    const reduction = info.batchSize * info.outHeight * info.outWidth;
    const { chunks, chunkLength } = splitFilterGradient(reduction, blocks);
    const partial = runFragments(args.backend, {
      inputs: [x, dy],
      variableNames: ['X', 'Dy'],
      outputShape: [chunks, taps, info.inChannels, info.outChannels],
      packedInputs: true,
      packedOutput: true,
      userCode: `
      ${PACKED_HELPERS_GLSL}
      void main() {
        ivec4 coords = getOutputCoords();
        int kh = coords.y / ${info.filterWidth};
        int kw = coords.y - kh * ${info.filterWidth};
        int start = coords.x * ${chunkLength};
        int end = min(start + ${chunkLength}, ${reduction});
        vec4 total = vec4(0.0);
        for (int r = start; r < end; r++) {
          int ow = r % ${info.outWidth};
          int q = r / ${info.outWidth};
          int oh = q % ${info.outHeight};
          int n = q / ${info.outHeight};
          int xr = oh * ${info.strideHeight} + kh - ${info.padInfo.top};
          int xc = ow * ${info.strideWidth} + kw - ${info.padInfo.left};
          if (xr >= 0 && xr < ${info.inHeight} && xc >= 0 && xc < ${info.inWidth}) {
            vec2 xs = lanes(getX(n, xr, xc, coords.z), xc);
            vec2 dys = lanes(getDy(n, oh, ow, coords.w), ow);
            total += vec4(xs.x * dys, xs.y * dys);
          }
        }
        setOutput(total);
      }`,
    });
    const dw = runFragments(args.backend, {
      inputs: [partial],
      variableNames: ['P'],
      outputShape: attrs.filterShape,
      packedInputs: true,
      packedOutput: true,
      userCode: `
      void main() {
        ivec4 coords = getOutputCoords();
        int tap = coords.x * ${info.filterWidth} + coords.y;
        vec4 total = vec4(0.0);
        for (int c = 0; c < ${chunks}; c++) { total += getP(c, tap, coords.z, coords.w); }
        setOutput(total);
      }`,
    });
    disposeIntermediate(args.backend, partial);
    return dw;
  };
}
