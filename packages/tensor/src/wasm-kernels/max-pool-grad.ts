import * as tf from '@tensorflow/tfjs-core';
import { simdKernels } from './simd-kernels';
import type { MaxPoolGradSimd } from './simd-max-pool-grad';
import { type WasmOps, withWasmOps } from './wasm-ops';

type MaxPoolGradAttrs = {
  filterSize: number | [number, number];
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
};

/**
 * The gradient of maxPool for the wasm backend: each dy value goes to the input position that
 * held its window's maximum (the first one in row-major order on ties, as the cpu backend
 * does; windows of -Infinity get none). One pass over the wasm heap, several times faster
 * than tfjs-backend-wasm's own MaxPoolGrad.
 */
export function maxPoolGradWasm(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs?: tf.NamedAttrMap;
}): tf.TensorInfo {
  const { dy, input, output } = args.inputs as {
    dy: tf.TensorInfo;
    input: tf.TensorInfo;
    output?: tf.TensorInfo;
  };
  const attrs = args.attrs as unknown as MaxPoolGradAttrs;
  if (input.dtype !== 'float32' || dy.dtype !== 'float32') {
    throw new Error(
      `MaxPoolGrad (wasm): expected float32 tensors, got input ${input.dtype} and dy ${dy.dtype}.`,
    );
  }
  const info = tf.backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    attrs.filterSize,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
  const expected = [info.batchSize, info.outHeight, info.outWidth, info.inChannels];
  if (dy.shape.join() !== expected.join()) {
    throw new Error(
      `MaxPoolGrad (wasm): dy has shape [${dy.shape.join(', ')}], expected [${expected.join(', ')}] for input [${input.shape.join(', ')}].`,
    );
  }
  const disjoint = info.strideHeight >= info.filterHeight && info.strideWidth >= info.filterWidth;
  const usableOutput = output && output.dtype === 'float32' && output.shape.join() === expected.join();
  return withWasmOps(args.backend, (ops) => {
    const simd =
      info.inChannels % 4 === 0 && algorithm === 'auto' ? simdKernels(ops.memory())?.maxPoolGrad : null;
    if (simd) return bySimd(ops, simd, dy, input, info);
    return disjoint && usableOutput && algorithm !== 'any'
      ? disjointWindows(ops, dy, input, output, info)
      : anyWindows(ops, dy, input, info);
  });
}

/** Which implementation runs (tests pin each one): 'auto' takes SIMD wasm when channels allow. */
let algorithm: 'auto' | 'disjoint' | 'any' = 'auto';

/** Forces one of MaxPoolGrad's implementations (for tests); returns the previous choice. */
export function setMaxPoolGradAlgorithm(choice: 'auto' | 'disjoint' | 'any'): 'auto' | 'disjoint' | 'any' {
  const previous = algorithm;
  algorithm = choice;
  return previous;
}

/** Four channels at a time in a small SIMD wasm module that shares the backend's heap. */
function bySimd(
  ops: WasmOps,
  simd: MaxPoolGradSimd,
  dy: tf.TensorInfo,
  input: tf.TensorInfo,
  info: tf.backend_util.Conv2DInfo,
): tf.TensorInfo {
  const out = ops.output(input.shape);
  simd(
    ops.offset(input),
    ops.offset(dy),
    ops.offset(out),
    info.batchSize,
    info.inHeight,
    info.inWidth,
    info.inChannels,
    info.outHeight,
    info.outWidth,
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
 * Windows that do not overlap (the usual pool 2, stride 2): one sequential pass over the
 * input; a pixel gets its window's dy when it equals the window's max (the forward output)
 * and no earlier pixel of that window did.
 */
function disjointWindows(
  ops: WasmOps,
  dy: tf.TensorInfo,
  input: tf.TensorInfo,
  output: tf.TensorInfo,
  info: tf.backend_util.Conv2DInfo,
): tf.TensorInfo {
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: c, outHeight: oh, outWidth: ow } = info;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  const { top, left } = info.padInfo;
  const out = ops.output(input.shape);
  // Views after the last allocation: allocating may grow (and detach) the heap.
  const dx = ops.heapF32(out);
  const xs = ops.heapF32(input);
  const ys = ops.heapF32(output);
  const dys = ops.heapF32(dy);
  const taken = new Uint8Array(ys.length);
  // The window (row or column) each input row or column falls in, or -1 outside every window.
  const windowOf = (size: number, pad: number, stride: number, k: number, outSize: number) =>
    Int32Array.from({ length: size }, (_, i) => {
      const p = i + pad;
      const j = Math.floor(p / stride);
      return j < outSize && p - j * stride < k ? j : -1;
    });
  const rowWin = windowOf(h, top, sh, kh, oh);
  const colWin = windowOf(w, left, sw, kw, ow);
  let i = 0;
  for (let b = 0; b < n; b++) {
    for (let r = 0; r < h; r++) {
      const wr = rowWin[r];
      for (let q = 0; q < w; q++) {
        const wc = colWin[q];
        if (wr < 0 || wc < 0) {
          dx.fill(0, i, i + c);
          i += c;
          continue;
        }
        const base = ((b * oh + wr) * ow + wc) * c;
        for (let ch = 0; ch < c; ch++, i++) {
          const j = base + ch;
          const y = ys[j];
          if (taken[j] === 0 && xs[i] === y && y > Number.NEGATIVE_INFINITY) {
            taken[j] = 1;
            dx[i] = dys[j];
          } else {
            dx[i] = 0;
          }
        }
      }
    }
  }
  return out;
}

/** Any windows (overlapping too): the argmax of each window, recomputed from the input. */
function anyWindows(
  ops: WasmOps,
  dy: tf.TensorInfo,
  input: tf.TensorInfo,
  info: tf.backend_util.Conv2DInfo,
): tf.TensorInfo {
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: c, outHeight: oh, outWidth: ow } = info;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  const { top, left } = info.padInfo;
  const out = ops.output(input.shape);
  // Views after the last allocation: allocating may grow (and detach) the heap.
  const dx = ops.heapF32(out);
  const xs = ops.heapF32(input);
  const dys = ops.heapF32(dy);
  dx.fill(0);
  const rowStride = w * c;
  for (let b = 0; b < n; b++) {
    const xBase = b * h * rowStride;
    for (let y = 0; y < oh; y++) {
      const h0 = Math.max(y * sh - top, 0);
      const h1 = Math.min(y * sh - top + kh, h);
      for (let x = 0; x < ow; x++) {
        const w0 = Math.max(x * sw - left, 0);
        const w1 = Math.min(x * sw - left + kw, w);
        const dyAt = ((b * oh + y) * ow + x) * c;
        for (let ch = 0; ch < c; ch++) {
          let best = Number.NEGATIVE_INFINITY;
          let where = -1;
          for (let r = h0; r < h1; r++) {
            for (let q = w0; q < w1; q++) {
              const at = xBase + r * rowStride + q * c + ch;
              const v = xs[at];
              if (v > best) {
                best = v;
                where = at;
              }
            }
          }
          if (where >= 0) dx[where] += dys[dyAt + ch];
        }
      }
    }
  }
  return out;
}
