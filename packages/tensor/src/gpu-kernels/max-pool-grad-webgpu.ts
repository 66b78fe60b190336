import * as tf from '@tensorflow/tfjs-core';
import { convAlgorithms } from '../wasm-kernels/algorithms';
import { intUniforms, runThreads } from './webgpu-program';

/**
 * One thread per input element: for each pooling window that holds it, find the window's first
 * strict maximum (row-major, padding skipped, as tfjs's cpu backend does; a window with no
 * value above -infinity has none) and add that window's dy where it is this element.
 */
const MAX_POOL_GRAD = `
  fn main(i : i32) {
    if (i >= uniforms.count) { return; }
    let d = i % uniforms.channels;
    let q = i / uniforms.channels;
    let c = q % uniforms.inW;
    let q2 = q / uniforms.inW;
    let r = q2 % uniforms.inH;
    let n = q2 / uniforms.inH;
    // Windows oh whose rows [oh*strideH - padTop, + filterH) hold r, and likewise for columns.
    let ohFirst = max(0, (r + uniforms.padTop - uniforms.filterH + uniforms.strideH) / uniforms.strideH);
    let ohLast = min(uniforms.outH - 1, (r + uniforms.padTop) / uniforms.strideH);
    let owFirst = max(0, (c + uniforms.padLeft - uniforms.filterW + uniforms.strideW) / uniforms.strideW);
    let owLast = min(uniforms.outW - 1, (c + uniforms.padLeft) / uniforms.strideW);
    var dx = 0.0;
    for (var oh = ohFirst; oh <= ohLast; oh++) {
      for (var ow = owFirst; ow <= owLast; ow++) {
        let r0 = oh * uniforms.strideH - uniforms.padTop;
        let c0 = ow * uniforms.strideW - uniforms.padLeft;
        var best = -uniforms.INFINITY;
        var bestR = -1;
        var bestC = -1;
        for (var wr = max(0, -r0); wr < min(uniforms.filterH, uniforms.inH - r0); wr++) {
          for (var wc = max(0, -c0); wc < min(uniforms.filterW, uniforms.inW - c0); wc++) {
            let v = X[((n * uniforms.inH + r0 + wr) * uniforms.inW + c0 + wc) * uniforms.channels + d];
            if (v > best) { best = v; bestR = r0 + wr; bestC = c0 + wc; }
          }
        }
        if (bestR == r && bestC == c) {
          dx += DY[((n * uniforms.outH + oh) * uniforms.outW + ow) * uniforms.channels + d];
        }
      }
    }
    result[i] = dx;
  }`;

/**
 * MaxPoolGrad on webgpu in one pass, one thread per input element, recomputing each window's
 * maximum. tfjs-backend-webgpu 4.22 first writes every window's argmax (taking the last of
 * equal values, where tfjs's cpu backend and TensorFlow take the first), then scatters dy from
 * it. `setConvAlgorithms({ webgpu: 'tfjs' })` runs `original`.
 */
export function maxPoolGradWebgpu(original: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    if (convAlgorithms().webgpu === 'tfjs') return original(args);
    const { dy, input } = args.inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
    const attrs = args.attrs as unknown as tf.MaxPoolGradAttrs;
    const info = tf.backend_util.computePool2DInfo(
      input.shape as [number, number, number, number],
      attrs.filterSize,
      attrs.strides,
      1,
      attrs.pad,
      attrs.dimRoundingMode,
    );
    const count = input.shape.reduce((a, b) => a * b, 1);
    return runThreads(args.backend, {
      key: 'max_pool_grad',
      inputs: [input, dy],
      variableNames: ['X', 'DY'],
      outputShape: input.shape,
      threads: count,
      uniforms: intUniforms({
        count,
        channels: info.inChannels,
        inH: info.inHeight,
        inW: info.inWidth,
        outH: info.outHeight,
        outW: info.outWidth,
        filterH: info.filterHeight,
        filterW: info.filterWidth,
        strideH: info.strideHeight,
        strideW: info.strideWidth,
        padTop: info.padInfo.top,
        padLeft: info.padInfo.left,
      }),
      main: MAX_POOL_GRAD,
    });
  };
}
