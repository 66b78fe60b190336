import * as tf from '@tensorflow/tfjs-core';
import { convAlgorithms } from './algorithms';
import { type SimdKernels, simdKernels } from './simd-kernels';
import { THIN_CO_BLOCK } from './simd-thin-filter-grad';
import { type WasmOps, withWasmOps } from './wasm-ops';
import { winogradFilterGradient } from './winograd-filter-grad';

type Conv2DBackpropFilterAttrs = {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape: [number, number, number, number];
};

/**
 * The gradient of conv2d with respect to its filter, for the wasm backend (missing from
 * tfjs-backend-wasm 4.22):
 * dW[kh, kw, ci, co] = sum over n, oh, ow of x[n, oh*sh + kh - top, ow*sw + kw - left, ci] * dy[n, oh, ow, co].
 */
export function conv2dBackpropFilterWasm(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs?: tf.NamedAttrMap;
}): tf.TensorInfo {
  const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const attrs = args.attrs as unknown as Conv2DBackpropFilterAttrs;
  return withWasmOps(args.backend, (ops) => {
    const channelsFirst = attrs.dataFormat === 'NCHW';
    const xNhwc = channelsFirst ? ops.transpose(x, [0, 2, 3, 1]) : x;
    const dyNhwc = channelsFirst ? ops.transpose(dy, [0, 2, 3, 1]) : dy;
    const info = tf.backend_util.computeConv2DInfo(
      xNhwc.shape as [number, number, number, number],
      attrs.filterShape,
      attrs.strides,
      1,
      attrs.pad,
      attrs.dimRoundingMode,
      false,
      'channelsLast',
    );
    const expected = [info.batchSize, info.outHeight, info.outWidth, info.outChannels];
    if (dyNhwc.shape.join() !== expected.join()) {
      throw new Error(
        `Conv2DBackpropFilter (wasm): dy has shape [${dyNhwc.shape.join(', ')}], expected [${expected.join(', ')}] for input [${xNhwc.shape.join(', ')}] and filter [${attrs.filterShape.join(', ')}].`,
      );
    }
    let algorithm = convAlgorithms().filter;
    if (algorithm !== 'conv' && algorithm !== 'im2col' && algorithm !== 'direct') {
      const dW = winogradFilterGradient(ops, xNhwc, dyNhwc, info, algorithm);
      if (dW) return dW;
      algorithm = 'auto'; // where Winograd does not apply
    }
    const taps = info.inChannels * info.filterHeight * info.filterWidth;
    const simd = simdKernels(ops.memory());
    if (algorithm === 'direct' || (algorithm === 'auto' && taps <= 32)) {
      if (simd && info.outChannels % THIN_CO_BLOCK === 0) return byDirect(ops, simd, xNhwc, dyNhwc, info);
      algorithm = 'im2col';
    }
    if (algorithm === 'auto') {
      // The conv's GEMM is thin when in-channels x taps are few, and its reduction runs over
      // the batch as channels: with a small batch every tap carries a handful of them. Both
      // make im2col + matMul faster (measured with fresh tensors per call, as in training:
      // MNIST conv1 and a VGG block at batch 4 favour im2col, MNIST conv2/conv3 at 64 the conv).
      const thin = taps <= 64;
      algorithm = thin || info.batchSize < 16 ? 'im2col' : 'conv';
    }
    return algorithm === 'im2col' ? byIm2col(ops, xNhwc, dyNhwc, info) : byConv(ops, xNhwc, dyNhwc, info);
  });
}

/** SIMD sums straight from x and dy: no im2col, no packing (few taps, co a multiple of 32). */
function byDirect(
  ops: WasmOps,
  simd: SimdKernels,
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  info: tf.backend_util.Conv2DInfo,
): tf.TensorInfo {
  const out = ops.output([info.filterHeight, info.filterWidth, info.inChannels, info.outChannels]);
  simd.thinFilterGrad(
    ops.offset(x),
    ops.offset(dy),
    ops.offset(out),
    info.batchSize,
    info.inHeight,
    info.inWidth,
    info.inChannels,
    info.outHeight,
    info.outWidth,
    info.outChannels,
    info.filterHeight,
    info.filterWidth,
    info.strideHeight,
    info.strideWidth,
    info.padInfo.top,
    info.padInfo.left,
  );
  return out;
}

/**
 * One XNNPACK conv2d: the input transposed to [ci, h, w, n] (channels become the batch, the
 * batch becomes the channels) convolved with dy transposed to [oh, ow, n, co] as the filter,
 * dilated by the forward strides. That conv's output is [ci, kh, kw, co].
 */
function byConv(
  ops: WasmOps,
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  info: tf.backend_util.Conv2DInfo,
): tf.TensorInfo {
  const { inHeight: h, inWidth: w, outHeight: oh, outWidth: ow, filterHeight: kh, filterWidth: kw } = info;
  const { strideHeight: sh, strideWidth: sw } = info;
  const { top, left } = info.padInfo;
  // Padded rows the windows reach: kh + (oh - 1) * sh, starting at -top.
  let bottom = kh + (oh - 1) * sh - top - h;
  let right = kw + (ow - 1) * sw - left - w;
  let xT = ops.transpose(x, [3, 1, 2, 0]); // [ci, h, w, n]
  if (bottom < 0 || right < 0) {
    // Rows/columns past the last window are never read: crop them instead of padding negatively.
    const keepH = h + Math.min(bottom, 0);
    const keepW = w + Math.min(right, 0);
    xT = ops.slice(xT, [0, 0, 0, 0], [xT.shape[0], keepH, keepW, xT.shape[3]]);
    bottom = Math.max(bottom, 0);
    right = Math.max(right, 0);
  }
  const dyT = ops.transpose(dy, [1, 2, 0, 3]); // [oh, ow, n, co]
  const grad = ops.conv2d(xT, dyT, [top, bottom, left, right], [sh, sw]); // [ci, kh, kw, co]
  return ops.transpose(grad, [1, 2, 0, 3]);
}

/**
 * im2col + one XNNPACK matMul: cols[(kh, kw, ci), (n, oh, ow)] holds the input pixel each
 * filter tap sees (0 in the padding), and dW = cols . dy as [kh*kw*ci, n*oh*ow] x [n*oh*ow, co].
 */
function byIm2col(
  ops: WasmOps,
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  info: tf.backend_util.Conv2DInfo,
): tf.TensorInfo {
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: ci, outHeight: oh, outWidth: ow } = info;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, outChannels: co } = info;
  const { top, left } = info.padInfo;
  const xT = ops.transpose(x, [3, 0, 1, 2]); // [ci, n, h, w]: each (ci, n) plane contiguous
  const m = n * oh * ow;
  const cols = ops.output([kh * kw * ci, m]);
  const simd = simdKernels(ops.memory());
  if (simd) {
    const [xAt, colsAt, block] = [ops.offset(xT), ops.offset(cols), ci * m * 4];
    for (let a = 0; a < kh; a++) {
      for (let b = 0; b < kw; b++) {
        const [q0, q1] = validColumns(b, left, sw, w, ow);
        simd.im2colTap(
          xAt,
          colsAt + (a * kw + b) * block,
          ci * n,
          h,
          w,
          oh,
          ow,
          sh,
          sw,
          a - top,
          b - left,
          q0,
          q1,
        );
      }
    }
    return matMulCols(ops, cols, dy, m, [kh, kw, ci, co]);
  }
  // Views after the last allocation: allocating may grow (and detach) the heap.
  const out = ops.heapF32(cols);
  const src = ops.heapF32(xT);
  let o = 0;
  for (let a = 0; a < kh; a++) {
    for (let b = 0; b < kw; b++) {
      const [q0, q1] = validColumns(b, left, sw, w, ow);
      for (let c = 0; c < ci; c++) {
        for (let s = 0; s < n; s++) {
          const plane = (c * n + s) * h * w;
          for (let y = 0; y < oh; y++) {
            const r = y * sh + a - top;
            if (r < 0 || r >= h) {
              out.fill(0, o, o + ow);
              o += ow;
              continue;
            }
            const row = plane + r * w + b - left;
            for (let q = 0; q < q0; q++) out[o++] = 0;
            for (let q = q0; q < q1; q++) out[o++] = src[row + q * sw];
            for (let q = q1; q < ow; q++) out[o++] = 0;
          }
        }
      }
    }
  }
  return matMulCols(ops, cols, dy, m, [kh, kw, ci, co]);
}

/** Output columns q whose filter tap b lands inside the image: [q0, q1). */
function validColumns(b: number, left: number, sw: number, w: number, ow: number): [number, number] {
  const q0 = Math.min(ow, Math.max(0, Math.ceil((left - b) / sw)));
  const q1 = Math.max(q0, Math.min(ow, Math.ceil((w + left - b) / sw)));
  return [q0, q1];
}

/** dW = cols . dy as [kh*kw*ci, m] x [m, co], reshaped to the filter's shape. */
function matMulCols(
  ops: WasmOps,
  cols: tf.TensorInfo,
  dy: tf.TensorInfo,
  m: number,
  filterShape: number[],
): tf.TensorInfo {
  const co = filterShape[3];
  const grad = ops.run(
    tf.BatchMatMul,
    { a: cols, b: ops.reshape(dy, [m, co]) },
    { transposeA: false, transposeB: false },
  );
  return ops.reshape(grad, filterShape);
}
