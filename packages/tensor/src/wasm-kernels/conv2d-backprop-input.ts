import * as tf from '@tensorflow/tfjs-core';
import { convAlgorithms } from './algorithms';
import { simdKernels } from './simd-kernels';
import { type WasmOps, withWasmOps } from './wasm-ops';
import { winogradInputGradient } from './winograd-conv2d';

type Conv2DBackpropInputAttrs = {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  inputShape: [number, number, number, number];
};

/**
 * The gradient of conv2d with respect to its input (also conv2dTranspose), for the wasm
 * backend: Winograd for VGG16-sized 3x3 stride-1 convs, else on XNNPACK (tfjs-backend-wasm's
 * own Conv2DBackpropInput is a scalar loop, 4-10x slower).
 */
export function conv2dBackpropInputWasm(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs?: tf.NamedAttrMap;
}): tf.TensorInfo {
  const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  const attrs = args.attrs as unknown as Conv2DBackpropInputAttrs;
  return withWasmOps(args.backend, (ops) => {
    if (attrs.dataFormat !== 'NCHW') return inputGradNhwc(ops, dy, filter, attrs.inputShape, attrs);
    const [n, c, h, w] = attrs.inputShape;
    const dx = inputGradNhwc(ops, ops.transpose(dy, [0, 2, 3, 1]), filter, [n, h, w, c], attrs);
    return ops.transpose(dx, [0, 3, 1, 2]);
  });
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
  const expected = [info.batchSize, info.outHeight, info.outWidth, info.outChannels];
  if (dy.shape.join() !== expected.join()) {
    throw new Error(
      `Conv2DBackpropInput (wasm): dy has shape [${dy.shape.join(', ')}], expected [${expected.join(', ')}] for input [${inputShape.join(', ')}] and filter [${filter.shape.join(', ')}].`,
    );
  }
  let algorithm = convAlgorithms().input;
  if (algorithm !== 'conv' && algorithm !== 'col2im') {
    const dx = winogradInputGradient(ops, dy, filter, info, algorithm);
    if (dx) return dx;
    algorithm = 'auto'; // where Winograd does not apply
  }
  if (algorithm === 'auto') {
    // The conv multiplies every input pixel (h*w) by the whole filter; the GEMM only the
    // output pixels (oh*ow). With strides or small outputs most of the conv's work is zeros.
    const wasted = (info.inHeight * info.inWidth) / (info.outHeight * info.outWidth);
    // The SIMD col2im makes the GEMM route cheaper everywhere it applies (in-channels a
    // multiple of 4); the JS col2im only where the conv would waste most of its work.
    const simd = info.inChannels % 4 === 0 && simdKernels(ops.memory());
    algorithm = simd || wasted >= 2 || info.inChannels <= 4 ? 'col2im' : 'conv';
  }
  return algorithm === 'col2im' ? byCol2im(ops, dy, filter, info) : byConv(ops, dy, filter, info);
}

/**
 * One XNNPACK conv2d: dy, dilated by the forward strides (zeros between its rows and columns),
 * convolved with the filter rotated by 180 degrees and with its in/out channels swapped,
 * padded so the output has the forward input's size.
 */
function byConv(
  ops: WasmOps,
  dy: tf.TensorInfo,
  filter: tf.TensorInfo,
  info: tf.backend_util.Conv2DInfo,
): tf.TensorInfo {
  const { batchSize: n, inHeight: h, inWidth: w, outHeight: oh, outWidth: ow, outChannels: co } = info;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  // rot180 and swap in/out channels: [kh, kw, ci, co] -> [kh, kw, co, ci].
  const rotated = ops.transpose(ops.reverse(filter, [0, 1]), [0, 1, 3, 2]);
  let grad = dy;
  let rows = oh;
  let cols = ow;
  if (sh > 1 || sw > 1) {
    // Zero-insertion: [n, oh, 1, ow, 1, co] padded to [n, oh, sh, ow, sw, co].
    const padded = ops.pad(ops.reshape(dy, [n, oh, 1, ow, 1, co]), [
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
    // Explicit paddings wider than the filter: rows of dy that only touch padding are cropped.
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

/**
 * One XNNPACK matMul and col2im: dcols = dy . W^T as [n*oh*ow, co] x [co, kh*kw*ci], then each
 * column of dcols is added to the input pixel its filter tap read (taps in the padding drop out).
 */
function byCol2im(
  ops: WasmOps,
  dy: tf.TensorInfo,
  filter: tf.TensorInfo,
  info: tf.backend_util.Conv2DInfo,
): tf.TensorInfo {
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: ci, outHeight: oh, outWidth: ow } = info;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, outChannels: co } = info;
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
  const simd = ci % 4 === 0 ? simdKernels(ops.memory()) : null;
  if (simd) {
    simd.col2im(ops.offset(dcols), ops.offset(out), n, h, w, ci, oh, ow, kh, kw, sh, sw, top, left);
    return out;
  }
  // Views after the last allocation: allocating may grow (and detach) the heap.
  const dx = ops.heapF32(out);
  const cols = ops.heapF32(dcols);
  dx.fill(0);
  let row = 0;
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < oh; y++) {
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
    }
  }
  return out;
}
