import * as tf from '@tensorflow/tfjs-core';
import { convAlgorithms } from './algorithms';
import { type SimdKernels, simdKernels } from './simd-kernels';
import { type WasmBackendLike, type WasmOps, wasmMemory, withWasmOps } from './wasm-ops';
import { type FilterUse, filterReused, type WinogradFilter, winogradFilter } from './winograd-filter';

type ConvAttrs = {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dilations: number | [number, number];
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  activation?: string;
};

/** Bytes of transformed tiles per chunk (16 matrices in, 16 out): bounds the extra heap a conv needs. */
let chunkBytes = 64 << 20;

/**
 * Where 'auto' takes Winograd: with fewer channels XNNPACK's direct conv is as fast (thin
 * matMuls). Transforming a filter the first time costs about what XNNPACK's packing does, so a
 * new filter (every training step) takes Winograd in the forward conv only with enough tiles to
 * gain, and never in the input gradient (col2im is as fast there); a filter in use again
 * (inference, evaluation, Grad-CAM, filter patterns) takes it with a few tiles. Measured on 2
 * x86 cores: MNIST's 32-channel convs run slower as Winograd; VGG16's 64- to 512-channel ones
 * 1.5-2.4x faster at batch 20, and 2x faster at batch 1 once their filters are transformed.
 */
const MIN_CHANNELS = 64;
const MIN_TILES_NEW_FILTER: Record<FilterUse, number> = {
  forward: 512,
  inputGradient: Number.POSITIVE_INFINITY,
};
const MIN_TILES_REUSED_FILTER = 16;

/**
 * Wraps tfjs-backend-wasm's Conv2D or FusedConv2D: 3x3 stride-1 convolutions with 64+ channels
 * (VGG16's, all but its first) run as Winograd F(2x2, 3x3), which needs 16 products per 2x2
 * output tile instead of 36. The tiles' products are 16 XNNPACK
 * matMuls; the transforms in and out are SIMD helpers; bias and relu are fused into the output
 * transform. Everything else runs the original kernel.
 */
export function withWinograd(original: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { x, filter, bias, preluActivationWeights } = args.inputs as Record<
      string,
      tf.TensorInfo | undefined
    >;
    const attrs = args.attrs as unknown as ConvAttrs;
    const simd = simdKernels(wasmMemory(args.backend as WasmBackendLike));
    const floor = floorOf(attrs.activation);
    const usable =
      simd &&
      floor !== undefined &&
      !preluActivationWeights &&
      (!bias || (bias.shape.length === 1 && bias.shape[0] === filter?.shape[3]));
    const info = usable ? winogradShape(x as tf.TensorInfo, filter as tf.TensorInfo, attrs) : null;
    if (!usable || !info) return original(args);
    return withWasmOps(args.backend, (ops) => {
      const u = winogradFilter(ops, filter as tf.TensorInfo, 'forward');
      return winogradConv(ops, simd, x as tf.TensorInfo, u, bias, floor, info);
    });
  };
}

/** Sets the bytes of transformed tiles per chunk (tests use small chunks); returns the previous value. */
export function setWinogradChunkBytes(bytes: number): number {
  const previous = chunkBytes;
  chunkBytes = bytes;
  return previous;
}

/** The output floor for a fused activation: 0 for relu, -Infinity for none; undefined for the rest. */
function floorOf(activation: string | undefined): number | undefined {
  if (activation === undefined || activation === 'linear') return Number.NEGATIVE_INFINITY;
  if (activation === 'relu') return 0;
  return undefined;
}

/** The conv's geometry when it takes the Winograd path under the current algorithm choice, else null. */
function winogradShape(
  x: tf.TensorInfo,
  filter: tf.TensorInfo,
  attrs: ConvAttrs,
): tf.backend_util.Conv2DInfo | null {
  const choice = convAlgorithms().forward;
  if (choice === 'xnnpack') return null;
  const [kh, kw, ci, co] = filter.shape;
  const pair = (v: number | [number, number]) => (typeof v === 'number' ? [v, v] : v);
  const shapeFits =
    x.shape.length === 4 &&
    attrs.dataFormat !== 'NCHW' &&
    kh === 3 &&
    kw === 3 &&
    pair(attrs.strides).every((s) => s === 1) &&
    pair(attrs.dilations ?? 1).every((d) => d === 1) &&
    ci % 4 === 0 &&
    co % 4 === 0;
  if (!shapeFits) return null;
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filter.shape as [number, number, number, number],
    attrs.strides,
    attrs.dilations ?? 1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
  return choice === 'winograd' || worthIt(info, filter, 'forward') ? info : null;
}

/** 'auto''s choice for a conv that Winograd can compute (see MIN_CHANNELS); records the filter's use. */
function worthIt(info: tf.backend_util.Conv2DInfo, filter: tf.TensorInfo, use: FilterUse): boolean {
  const reused = filterReused(filter, use);
  if (info.inChannels < MIN_CHANNELS || info.outChannels < MIN_CHANNELS) return false;
  const tiles = info.batchSize * Math.ceil(info.outHeight / 2) * Math.ceil(info.outWidth / 2);
  return tiles >= (reused ? MIN_TILES_REUSED_FILTER : MIN_TILES_NEW_FILTER[use]);
}

/**
 * The gradient of a 3x3 stride-1 conv with respect to its input, as Winograd: a conv of dy with
 * the filter rotated by 180 degrees and its channels swapped, padded to give the input's size.
 * `forward` is the forward conv's geometry. Returns null where Winograd does not apply (or, under
 * 'auto', would not gain), for the caller's other algorithms.
 */
export function winogradInputGradient(
  ops: WasmOps,
  dy: tf.TensorInfo,
  filter: tf.TensorInfo,
  forward: tf.backend_util.Conv2DInfo,
  choice: 'auto' | 'winograd',
): tf.TensorInfo | null {
  const simd = simdKernels(ops.memory());
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = forward;
  const { dilationHeight: dh, dilationWidth: dw, inChannels: ci, outChannels: co } = forward;
  const fits =
    kh === 3 && kw === 3 && sh === 1 && sw === 1 && dh === 1 && dw === 1 && ci % 4 === 0 && co % 4 === 0;
  if (!simd || !fits) return null;
  const { inHeight: h, inWidth: w, outHeight: oh, outWidth: ow, padInfo } = forward;
  const [top, left] = [2 - padInfo.top, 2 - padInfo.left];
  const [bottom, right] = [h - oh - top + 2, w - ow - left + 2];
  if (Math.min(top, left, bottom, right) < 0) return null; // paddings wider than the filter
  const info = tf.backend_util.computeConv2DInfo(
    dy.shape as [number, number, number, number],
    [3, 3, co, ci],
    1,
    1,
    [
      [0, 0],
      [top, bottom],
      [left, right],
      [0, 0],
    ],
  );
  if (choice === 'auto' && !worthIt(info, filter, 'inputGradient')) return null;
  const u = winogradFilter(ops, filter, 'inputGradient');
  return winogradConv(ops, simd, dy, u, undefined, Number.NEGATIVE_INFINITY, info);
}

/** The conv of x with a transformed filter u over info's geometry, plus bias, floored. */
function winogradConv(
  ops: WasmOps,
  simd: SimdKernels,
  x: tf.TensorInfo,
  u: WinogradFilter,
  bias: tf.TensorInfo | undefined,
  floor: number,
  info: tf.backend_util.Conv2DInfo,
): tf.TensorInfo {
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: ci, outChannels: co } = info;
  const { outHeight: oh, outWidth: ow } = info;
  const out = ops.output([n, oh, ow, co]);
  if (n * oh * ow === 0) return out;
  const tilesH = Math.ceil(oh / 2);
  const tilesW = Math.ceil(ow / 2);
  // c floats of zeros (padding, no bias) and of scratch (outputs past an odd edge).
  const zeros = ops.output([Math.max(ci, co)]);
  const trash = ops.output([co]);
  ops.heapF32(zeros).fill(0);
  const tilesPerChunk = Math.max(1, Math.floor(chunkBytes / (2 * 16 * 4 * Math.max(ci, co))));
  const rowsPerChunk = Math.max(1, Math.floor(tilesPerChunk / tilesW));
  const rows = n * tilesH;
  for (let row0 = 0; row0 < rows; row0 += rowsPerChunk) {
    const row1 = Math.min(rows, row0 + rowsPerChunk);
    const tiles = (row1 - row0) * tilesW;
    const v = Array.from({ length: 16 }, () => ops.output([1, tiles, ci]));
    const vTable = ops.pointerTable(v);
    simd.winogradInput(
      ops.offset(x),
      ops.offset(vTable),
      ops.offset(zeros),
      h,
      w,
      ci,
      tilesH,
      tilesW,
      info.padInfo.top,
      info.padInfo.left,
      row0,
      row1,
    );
    const m = v.map((vk, k) =>
      ops.run(tf.BatchMatMul, { a: vk, b: u[k] }, { transposeA: false, transposeB: false }),
    );
    ops.release([...v, vTable]);
    const mTable = ops.pointerTable(m);
    simd.winogradOutput(
      ops.offset(mTable),
      ops.offset(out),
      bias ? ops.offset(bias) : ops.offset(zeros),
      ops.offset(trash),
      oh,
      ow,
      co,
      tilesH,
      tilesW,
      row0,
      row1,
      floor,
    );
    ops.release([...m, mTable]);
  }
  return out;
}
