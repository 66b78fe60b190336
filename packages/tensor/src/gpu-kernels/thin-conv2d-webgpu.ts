import * as tf from '@tensorflow/tfjs-core';
import { convAlgorithms } from '../wasm-kernels/algorithms';
import { runThreads, type Uniform } from './webgpu-program';

/** The longest reduction (filter taps x in-channels) the direct kernel takes on. */
const MAX_THIN_REDUCTION = 64;

/**
 * One thread per output element: the sum over the filter's taps and in-channels, plus the bias
 * (input B) where there is one, then relu where asked. Neighbouring threads share a pixel and
 * read the same inputs.
 */
const thinConvShader = (hasBias: boolean) => `
  fn main(i : i32) {
    if (i >= uniforms.count) { return; }
    let co = i % uniforms.outC;
    let q = i / uniforms.outC;
    let ow = q % uniforms.outW;
    let q2 = q / uniforms.outW;
    let oh = q2 % uniforms.outH;
    let n = q2 / uniforms.outH;
    let r0 = oh * uniforms.strideH - uniforms.padTop;
    let c0 = ow * uniforms.strideW - uniforms.padLeft;
    var sum = 0.0;
    for (var kh = 0; kh < uniforms.filterH; kh++) {
      let r = r0 + kh * uniforms.dilationH;
      if (r < 0 || r >= uniforms.inH) { continue; }
      for (var kw = 0; kw < uniforms.filterW; kw++) {
        let c = c0 + kw * uniforms.dilationW;
        if (c < 0 || c >= uniforms.inW) { continue; }
        let xBase = ((n * uniforms.inH + r) * uniforms.inW + c) * uniforms.inC;
        let wBase = (kh * uniforms.filterW + kw) * uniforms.inC;
        for (var ci = 0; ci < uniforms.inC; ci++) {
          sum += X[xBase + ci] * W[(wBase + ci) * uniforms.outC + co];
        }
      }
    }
    ${hasBias ? 'sum += B[co];' : ''}
    if (uniforms.relu == 1) { sum = max(sum, 0.0); }
    result[i] = sum;
  }`;

/**
 * Conv2D and FusedConv2D on webgpu for thin inputs: NHWC, in-channels that tfjs's vectorised
 * kernel cannot take (not a multiple of 3 or 4: grayscale images), at most 64 taps x
 * in-channels, with no activation but relu. There tfjs-backend-webgpu 4.22 runs a scalar tiled
 * product whose tiles are mostly padding along that short reduction; a direct sum per output
 * element reads the input once per pixel from cache. Elsewhere, and with
 * `setConvAlgorithms({ webgpu: 'tfjs' })`, it runs `original`.
 */
export function thinConv2dWebgpu(original: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { x, filter, bias, preluActivationWeights } = args.inputs as Record<
      string,
      tf.TensorInfo | undefined
    >;
    const attrs = args.attrs as unknown as tf.FusedConv2DAttrs;
    const activation = attrs.activation ?? 'linear';
    const [filterH, filterW, inC] = filter!.shape;
    const thin = inC % 4 !== 0 && inC % 3 !== 0 && filterH * filterW * inC <= MAX_THIN_REDUCTION;
    if (
      convAlgorithms().webgpu === 'tfjs' ||
      attrs.dataFormat === 'NCHW' ||
      !thin ||
      (activation !== 'linear' && activation !== 'relu') ||
      preluActivationWeights !== undefined ||
      (bias !== undefined && bias.shape.join() !== String(filter!.shape[3]))
    ) {
      return original(args);
    }
    const info = tf.backend_util.computeConv2DInfo(
      x!.shape as [number, number, number, number],
      filter!.shape as [number, number, number, number],
      attrs.strides,
      attrs.dilations,
      attrs.pad,
      attrs.dimRoundingMode,
    );
    const count = info.outShape.reduce((a, b) => a * b, 1);
    const int = (name: string, value: number): Uniform => ({ name, type: 'i32', value });
    const inputs = bias === undefined ? [x!, filter!] : [x!, filter!, bias];
    return runThreads(args.backend, {
      key: `thin_conv2d_${inputs.length}`,
      inputs,
      variableNames: bias === undefined ? ['X', 'W'] : ['X', 'W', 'B'],
      outputShape: info.outShape,
      threads: count,
      uniforms: [
        int('count', count),
        int('inH', info.inHeight),
        int('inW', info.inWidth),
        int('inC', info.inChannels),
        int('outH', info.outHeight),
        int('outW', info.outWidth),
        int('outC', info.outChannels),
        int('filterH', info.filterHeight),
        int('filterW', info.filterWidth),
        int('strideH', info.strideHeight),
        int('strideW', info.strideWidth),
        int('dilationH', info.dilationHeight),
        int('dilationW', info.dilationWidth),
        int('padTop', info.padInfo.top),
        int('padLeft', info.padInfo.left),
        int('relu', activation === 'relu' ? 1 : 0),
      ],
      main: thinConvShader(bias !== undefined),
    });
  };
}
