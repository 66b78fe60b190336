import * as tf from '@tensorflow/tfjs-core';
import { type WasmOps, withWasmOps } from './wasm-ops';

type Conv2DBackpropInputAttrs = {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  inputShape: [number, number, number, number];
};

/**
 * The gradient of conv2d with respect to its input (also conv2dTranspose), for the wasm
 * backend, as one XNNPACK conv2d: dy, dilated by the forward strides (zeros between its
 * rows and columns), convolved with the filter rotated by 180 degrees and with its in/out
 * channels swapped, padded so the output has the forward input's size.
 * (tfjs-backend-wasm's own Conv2DBackpropInput is a scalar loop, ~10x slower.)
 */
export function conv2dBackpropInputWasm(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs?: tf.NamedAttrMap;
}): tf.TensorInfo {
  const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  const attrs = args.attrs as unknown as Conv2DBackpropInputAttrs;
  return withWasmOps(args.backend, (ops) => {
    const grad = inputGradMethod === 'col2im' ? inputGradCol2im : inputGradNhwc;
    if (attrs.dataFormat !== 'NCHW') return grad(ops, dy, filter, attrs.inputShape, attrs);
    const [n, c, h, w] = attrs.inputShape;
    const dx = grad(ops, ops.transpose(dy, [0, 2, 3, 1]), filter, [n, h, w, c], attrs);
    return ops.transpose(dx, [0, 3, 1, 2]);
  });
}

/** Which algorithm computes the input gradient (benchmarks compare them). */
export let inputGradMethod: 'conv' | 'col2im' = 'conv';
export function setInputGradMethod(m: 'conv' | 'col2im'): void {
  inputGradMethod = m;
}

function inputGradCol2im(
  ops: WasmOps,
  dy: tf.TensorInfo,
  filter: tf.TensorInfo,
  inputShape: [number, number, number, number],
  attrs: Conv2DBackpropInputAttrs,
): tf.TensorInfo {
  const info = tf.backend_util.computeConv2DInfo(
    inputShape,
    filter.shape as [number, number, number, number],
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
  const {
    batchSize: n,
    inHeight: h,
    inWidth: w,
    inChannels: ci,
    outHeight: oh,
    outWidth: ow,
    outChannels: co,
  } = info;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  const { top, left } = info.padInfo;
  const k = kh * kw * ci;
  const m = n * oh * ow;
  const wT = ops.transpose(ops.reshape(filter, [k, co]), [1, 0]); // [co, k]
  const dcols = ops.run(
    tf.BatchMatMul,
    { a: ops.reshape(dy, [m, co]), b: wT },
    { transposeA: false, transposeB: false },
  );
  const out = ops.output([n, h, w, ci]);
  const dx = ops.heapF32(out);
  const cols = ops.heapF32(dcols);
  dx.fill(0);
  let row = 0;
  for (let b = 0; b < n; b++)
    for (let y = 0; y < oh; y++)
      for (let x = 0; x < ow; x++, row += k) {
        for (let a = 0; a < kh; a++) {
          const r = y * sh + a - top;
          if (r < 0 || r >= h) continue;
          for (let c = 0; c < kw; c++) {
            const q = x * sw + c - left;
            if (q < 0 || q >= w) continue;
            const dst = ((b * h + r) * w + q) * ci;
            const src = row + (a * kw + c) * ci;
            for (let z = 0; z < ci; z++) dx[dst + z] += cols[src + z];
          }
        }
      }
  return out;
}

function inputGradNhwc(
  ops: WasmOps,
  dy: tf.TensorInfo,
  filter: tf.TensorInfo,
  inputShape: [number, number, number, number],
  attrs: Conv2DBackpropInputAttrs,
): tf.TensorInfo {
  const info = tf.backend_util.computeConv2DInfo(
    inputShape,
    filter.shape as [number, number, number, number],
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
  const { batchSize: n, inHeight: h, inWidth: w, outHeight: oh, outWidth: ow, outChannels: co } = info;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  const expected = [n, oh, ow, co];
  if (dy.shape.join() !== expected.join()) {
    throw new Error(
      `Conv2DBackpropInput (wasm): dy has shape [${dy.shape.join(', ')}], expected [${expected.join(', ')}] for input [${inputShape.join(', ')}] and filter [${filter.shape.join(', ')}].`,
    );
  }
  // rot180 and swap in/out channels: [kh, kw, ci, co] -> [kh, kw, co, ci].
  const rotated = ops.transpose(ops.reverse(filter, [0, 1]), [0, 1, 3, 2]);
  let grad = dy;
  let rows = oh;
  let cols = ow;
  if (sh > 1 || sw > 1) {
    // Zero-insertion: [n, oh, 1, ow, 1, co] padded to [n, oh, sh, ow, sw, co].
    const spread = ops.reshape(dy, [n, oh, 1, ow, 1, co]);
    const padded = ops.pad(spread, [
      [0, 0],
      [0, 0],
      [0, sh - 1],
      [0, 0],
      [0, sw - 1],
      [0, 0],
    ]);
    rows = oh * sh;
    cols = ow * sw;
    grad = ops.reshape(padded, [n, rows, cols, co]);
  }
  // dx[i] = sum_k dyDilated[i + top - k] * W[k]: a correlation with the rotated filter over
  // dyDilated padded by (kh - 1 - top) before and whatever makes the output h rows after.
  const padTop = kh - 1 - info.padInfo.top;
  const padLeft = kw - 1 - info.padInfo.left;
  const padBottom = h + kh - 1 - padTop - rows;
  const padRight = w + kw - 1 - padLeft - cols;
  if (padTop < 0 || padLeft < 0 || padBottom < 0 || padRight < 0) {
    // Explicit paddings larger than the filter: rows of dy that only touch padding are cropped.
    const cropTop = Math.max(-padTop, 0);
    const cropLeft = Math.max(-padLeft, 0);
    const keepRows = rows - cropTop - Math.max(-padBottom, 0);
    const keepCols = cols - cropLeft - Math.max(-padRight, 0);
    grad = ops.slice(grad, [0, cropTop, cropLeft, 0], [n, keepRows, keepCols, co]);
  }
  return ops.conv2d(grad, rotated, [
    Math.max(padTop, 0),
    Math.max(padBottom, 0),
    Math.max(padLeft, 0),
    Math.max(padRight, 0),
  ]);
}
