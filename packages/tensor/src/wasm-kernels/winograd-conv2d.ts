import * as tf from '@tensorflow/tfjs-core';
import type { WinogradTile } from '../winograd-matrices';
import { convAlgorithms } from './algorithms';
import { type SimdKernels, simdKernels } from './simd-kernels';
import { type WasmBackendLike, type WasmOps, wasmMemory, withWasmOps } from './wasm-ops';
import { winogradGains } from './winograd-auto';
import { type FilterUse, filterReused, type WinogradFilter, winogradFilter } from './winograd-filter';
import { WinogradTiles } from './winograd-tiles';

type ConvAttrs = {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dilations: number | [number, number];
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  activation?: string;
};

/**
 * Wraps tfjs-backend-wasm's Conv2D or FusedConv2D: 3x3 stride-1 convolutions with enough
 * channels and outputs (winogradGains: VGG16's, all but its first) run as Winograd F(2x2, 3x3)
 * or F(4x4, 3x3), which need 16 products per 2x2 output tile or 36 per 4x4 tile instead of 9
 * per output. The tiles' products are α² XNNPACK matMuls; the transforms in and out are SIMD
 * helpers; bias and relu are fused into the output transform. Everything else runs the original
 * kernel.
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
    const plan = usable ? winogradPlan(x as tf.TensorInfo, filter as tf.TensorInfo, attrs) : null;
    if (!usable || !plan) return original(args);
    return withWasmOps(args.backend, (ops) => {
      const u = winogradFilter(ops, simd, filter as tf.TensorInfo, 'forward', plan.m);
      return winogradConv(ops, simd, x as tf.TensorInfo, u, bias, floor, plan);
    });
  };
}

/** The output floor for a fused activation: 0 for relu, -Infinity for none; undefined for the rest. */
function floorOf(activation: string | undefined): number | undefined {
  if (activation === undefined || activation === 'linear') return Number.NEGATIVE_INFINITY;
  if (activation === 'relu') return 0;
  return undefined;
}

/** A conv's geometry and the Winograd tile it runs with. */
type WinogradPlan = { info: tf.backend_util.Conv2DInfo; m: WinogradTile };

/** The conv's plan when it takes the Winograd path under the current algorithm choice, else null. */
function winogradPlan(x: tf.TensorInfo, filter: tf.TensorInfo, attrs: ConvAttrs): WinogradPlan | null {
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
  if (choice === 'auto' && !worthIt(info, filter, 'forward')) return null;
  return { info, m: tileFor(choice, info) };
}

/** The tile a choice forces, or for 'auto' and 'winograd' the one with fewer products over the output. */
export function tileFor(choice: string, info: tf.backend_util.Conv2DInfo): WinogradTile {
  if (choice === 'winograd2x2') return 2;
  if (choice === 'winograd4x4') return 4;
  const products = (m: number) => (m + 2) ** 2 * Math.ceil(info.outHeight / m) * Math.ceil(info.outWidth / m);
  return products(4) < products(2) ? 4 : 2;
}

/** Whether Winograd F(m x m, 3x3) computes a conv of this geometry: 3x3, stride 1, no dilation, channels multiples of 4. */
export function winogradFits(info: tf.backend_util.Conv2DInfo): boolean {
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  const { dilationHeight: dh, dilationWidth: dw, inChannels: ci, outChannels: co } = info;
  return kh === 3 && kw === 3 && sh === 1 && sw === 1 && dh === 1 && dw === 1 && ci % 4 === 0 && co % 4 === 0;
}

/** 'auto''s choice for a conv that Winograd can compute (see winogradGains); records the filter's use. */
function worthIt(info: tf.backend_util.Conv2DInfo, filter: tf.TensorInfo, use: FilterUse): boolean {
  return winogradGains(use, info, filterReused(filter, use));
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
  choice: 'auto' | 'winograd' | 'winograd2x2' | 'winograd4x4',
): tf.TensorInfo | null {
  const simd = simdKernels(ops.memory());
  if (!simd || !winogradFits(forward)) return null;
  const { inChannels: ci, outChannels: co } = forward;
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
  const m = tileFor(choice, info);
  const u = winogradFilter(ops, simd, filter, 'inputGradient', m);
  return winogradConv(ops, simd, dy, u, undefined, Number.NEGATIVE_INFINITY, { info, m });
}

/** The conv of x with a filter u transformed for the plan's tile, over its geometry, plus bias, floored. */
function winogradConv(
  ops: WasmOps,
  simd: SimdKernels,
  x: tf.TensorInfo,
  u: WinogradFilter,
  bias: tf.TensorInfo | undefined,
  floor: number,
  { info, m }: WinogradPlan,
): tf.TensorInfo {
  const { batchSize: n, inChannels: ci, outChannels: co, outHeight: oh, outWidth: ow } = info;
  const out = ops.output([n, oh, ow, co]);
  if (n * oh * ow === 0) return out;
  const [input, output] =
    m === 2
      ? [simd.winograd2x2Input, simd.winograd2x2Output]
      : [simd.winograd4x4Input, simd.winograd4x4Output];
  const tiles = new WinogradTiles(ops, m, { n, oh, ow }, Math.max(ci, co));
  const trash = ops.output([co]); // where outputs past the edge go
  const { top, left } = info.padInfo;
  for (const rows of tiles.chunks(2 * (m + 2) ** 2 * 4 * Math.max(ci, co))) {
    const v = tiles.transform(input, x, [top, left], rows);
    const products = v.map((vk, k) =>
      ops.run(tf.BatchMatMul, { a: vk, b: u[k] }, { transposeA: false, transposeB: false }),
    );
    ops.release(v);
    const table = ops.pointerTable(products);
    const at = [
      ops.offset(table),
      ops.offset(out),
      ops.offset(bias ?? tiles.zeros),
      ops.offset(trash),
    ] as const;
    output(...at, tiles.pixelsAt, oh, ow, co, tiles.tilesH, tiles.tilesW, ...rows, floor);
    ops.release([...products, table]);
  }
  return out;
}
