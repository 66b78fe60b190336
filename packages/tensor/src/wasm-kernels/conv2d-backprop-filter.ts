import * as tf from '@tensorflow/tfjs-core';
import { type WasmOps, withWasmOps } from './wasm-ops';

type Conv2DBackpropFilterAttrs = {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape: [number, number, number, number];
};

/**
 * The gradient of conv2d with respect to its filter, for the wasm backend:
 * dW[kh, kw, ci, co] = sum over n, oh, ow of x[n, oh*sh + kh - top, ow*sw + kw - left, ci] * dy[n, oh, ow, co].
 *
 * Computed as one XNNPACK conv2d: the input transposed to [ci, h, w, n] (channels become the
 * batch, the batch becomes the channels) convolved with dy transposed to [oh, ow, n, co] as the
 * filter, dilated by the forward strides. That conv's output is [ci, kh, kw, co].
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
    return filterGradNhwc(ops, xNhwc, dyNhwc, attrs);
  });
}

function filterGradNhwc(
  ops: WasmOps,
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  attrs: Conv2DBackpropFilterAttrs,
): tf.TensorInfo {
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    attrs.filterShape,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
  const { inHeight: h, inWidth: w, outHeight: oh, outWidth: ow, filterHeight: kh, filterWidth: kw } = info;
  const { strideHeight: sh, strideWidth: sw } = info;
  const expected = [info.batchSize, oh, ow, info.outChannels];
  if (dy.shape.join() !== expected.join()) {
    throw new Error(
      `Conv2DBackpropFilter (wasm): dy has shape [${dy.shape.join(', ')}], expected [${expected.join(', ')}] for input [${x.shape.join(', ')}] and filter [${attrs.filterShape.join(', ')}].`,
    );
  }
  const { top, left } = info.padInfo;
  // Padded rows the kh x kw window reaches: kh + (oh - 1) * sh, starting at -top.
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
