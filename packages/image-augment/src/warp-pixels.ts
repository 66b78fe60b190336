import { type Matrix3, transformMatrix } from './affine';
import type { FillMode } from './options';
import type { TransformParams } from './transform-params';

/** Furthest the extension for reflect/wrap reaches, in image sizes (beyond it, edge values repeat). */
const MAX_EXTENSION = 4;

/** A box of integer input coordinates, inclusive. */
export interface SampledBox {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}

/**
 * The integer box of input pixels a warp's bilinear samples can read, limited to MAX_EXTENSION
 * image sizes around the image ('reflect' and 'wrap' extend the image over it).
 */
export function sampledBox(m: Matrix3, width: number, height: number): SampledBox {
  const xs: number[] = [];
  const ys: number[] = [];
  for (const [cx, cy] of [
    [0, 0],
    [width - 1, 0],
    [0, height - 1],
    [width - 1, height - 1],
  ]) {
    xs.push(m[0] * cx + m[1] * cy + m[2]);
    ys.push(m[3] * cx + m[4] * cy + m[5]);
  }
  const clampTo = (v: number, size: number) =>
    Math.max(-MAX_EXTENSION * size, Math.min((MAX_EXTENSION + 1) * size, v));
  return {
    x0: clampTo(Math.floor(Math.min(...xs)) - 1, width),
    x1: clampTo(Math.ceil(Math.max(...xs)) + 1, width),
    y0: clampTo(Math.floor(Math.min(...ys)) - 1, height),
    y1: clampTo(Math.ceil(Math.max(...ys)) + 1, height),
  };
}

/** True when the box reaches outside a width x height image. */
export function boxLeavesImage(box: SampledBox, width: number, height: number): boolean {
  return box.x0 < 0 || box.y0 < 0 || box.x1 > width - 1 || box.y1 > height - 1;
}

/** dcba|abcd|dcba: period 2n, mirrored about the pixel edges. */
export function reflectIndex(i: number, n: number): number {
  const r = ((i % (2 * n)) + 2 * n) % (2 * n);
  return r < n ? r : 2 * n - 1 - r;
}

/** abcd|abcd|abcd: period n. */
export function wrapIndex(i: number, n: number): number {
  return ((i % n) + n) % n;
}

/**
 * Source index of each sample position along one axis, plus one position past the end marked -1
 * (outside: the fill value). For reflect/wrap over an extended box, positions are box-relative.
 */
function axisMap(
  from: number,
  count: number,
  size: number,
  map?: (i: number, n: number) => number,
): Int32Array {
  const out = new Int32Array(count + 1);
  for (let i = 0; i < count; i++) out[i] = map ? map(from + i, size) : from + i;
  out[count] = -1;
  return out;
}

/**
 * The bilinear affine warp of `applyTransform` on plain values, for one [height, width, channels]
 * image in `src` (row-major, channels last), written to `out`. Gives what tfjs's Transform kernel
 * gives on the cpu backend (the 3x3 matrix rounded to float32 as its transform tensor is; reflect and
 * wrap by the same extension as the tensor path), so results agree with it to float32 rounding.
 */
export function warpPixels(
  src: Float32Array,
  out: Float32Array,
  height: number,
  width: number,
  channels: number,
  m: Matrix3,
  fillMode: FillMode,
  cval: number,
): void {
  let a = [m[0], m[1], m[2], m[3], m[4], m[5]];
  // Sample space: the image, or (reflect/wrap reaching outside) the extended box over it.
  let sw = width;
  let sh = height;
  let cols: Int32Array;
  let rows: Int32Array;
  const extend = fillMode === 'reflect' || fillMode === 'wrap';
  const box = extend ? sampledBox(m, width, height) : undefined;
  if (box && boxLeavesImage(box, width, height)) {
    const map = fillMode === 'reflect' ? reflectIndex : wrapIndex;
    sw = box.x1 - box.x0 + 1;
    sh = box.y1 - box.y0 + 1;
    cols = axisMap(box.x0, sw, width, map);
    rows = axisMap(box.y0, sh, height, map);
    a = [m[0], m[1], m[2] - box.x0, m[3], m[4], m[5] - box.y0];
  } else {
    cols = axisMap(0, width, width);
    rows = axisMap(0, height, height);
  }
  // tf.image.transform takes the matrix as a float32 tensor.
  const [a0, a1, a2, b0, b1, b2] = a.map(Math.fround);
  const clamp = fillMode !== 'constant';
  const fill = Math.fround(cval);
  const c = channels;
  const f00 = new Float64Array(c);
  const f01 = new Float64Array(c);
  const f10 = new Float64Array(c);
  const f11 = new Float64Array(c);
  const read = (buf: Float64Array, yi: number, xi: number) => {
    if (xi < 0 || xi > sw || yi < 0 || yi > sh || rows[yi] < 0 || cols[xi] < 0) {
      buf.fill(fill);
      return;
    }
    const base = (rows[yi] * width + cols[xi]) * c;
    for (let k = 0; k < c; k++) buf[k] = src[base + k];
  };
  let o = 0;
  for (let oy = 0; oy < height; oy++) {
    for (let ox = 0; ox < width; ox++) {
      let x = a0 * ox + a1 * oy + a2;
      let y = b0 * ox + b1 * oy + b2;
      if (clamp) {
        x = Math.min(Math.max(x, 0), sw - 1);
        y = Math.min(Math.max(y, 0), sh - 1);
      }
      const xf = Math.floor(x);
      const yf = Math.floor(y);
      if (!(xf >= -1 && xf < sw && yf >= -1 && yf < sh)) {
        // Every tap is outside (constant mode far from the image), or a coordinate is not finite.
        for (let k = 0; k < c; k++) out[o + k] = fill;
        o += c;
        continue;
      }
      read(f00, yf, xf);
      read(f01, yf, xf + 1);
      read(f10, yf + 1, xf);
      read(f11, yf + 1, xf + 1);
      const wx1 = x - xf;
      const wx0 = xf + 1 - x;
      const wy1 = y - yf;
      const wy0 = yf + 1 - y;
      for (let k = 0; k < c; k++) {
        const top = wx0 * f00[k] + wx1 * f01[k];
        const bottom = wx0 * f10[k] + wx1 * f11[k];
        out[o + k] = wy0 * top + wy1 * bottom;
      }
      o += c;
    }
  }
}

/** Keras's apply_channel_shift on plain values: add `intensity`, clipped to the image's own min and max. */
export function channelShiftPixels(values: Float32Array, intensity: number): void {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const add = Math.fround(intensity);
  for (let i = 0; i < values.length; i++) values[i] = Math.min(Math.max(values[i] + add, lo), hi);
}

/**
 * Keras's apply_brightness_shift(x, brightness, scale=False) on plain values, as `applyTransform`
 * computes it (values outside 0..255 mapped into it and back, truncation to whole levels as PIL's
 * uint8 round trip, an alpha channel kept), in float32 arithmetic like the tensor path.
 */
export function brightnessPixels(values: Float32Array, brightness: number, channels: number): void {
  const f = Math.fround;
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const outside = lo < 0 || hi > 255;
  const span = f(hi - lo);
  const safeSpan = span === 0 ? 1 : span;
  const factor = f(brightness);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    const scaled = outside ? f(f(f(v - lo) / safeSpan) * 255) : v;
    const byte = Math.floor(Math.min(Math.max(scaled, 0), 255));
    const alpha = channels === 4 && i % 4 === 3;
    const shifted = alpha ? byte : Math.floor(Math.min(Math.max(f(byte * factor), 0), 255));
    values[i] = outside ? f(f(f(shifted / 255) * span) + lo) : shifted;
  }
}

/** How `transformPixels` fills and samples (Keras's fill_mode and cval). */
export interface PixelWarpOptions {
  fillMode: FillMode;
  cval: number;
}

/**
 * `applyTransform` without tensors: one [height, width, channels] image of values (0-255, or
 * already rescaled) in `src`, transformed into `out` (a new array by default): the affine warp and
 * flips, the channel shift, then the brightness change. The same results as the tensor path on the
 * cpu backend, to float32 rounding; runs anywhere (worker threads use it to augment off the main thread).
 */
export function transformPixels(
  src: Float32Array,
  shape: readonly [height: number, width: number, channels: number],
  params: TransformParams,
  warp: PixelWarpOptions,
  out: Float32Array = new Float32Array(src.length),
): Float32Array {
  const [height, width, channels] = shape;
  if (src.length !== height * width * channels || out.length !== src.length) {
    throw new RangeError(
      `transformPixels: expected ${height * width * channels} values for shape [${shape.join(', ')}], got src ${src.length} and out ${out.length}.`,
    );
  }
  const m = transformMatrix(params, height, width);
  if (m) warpPixels(src, out, height, width, channels, m, warp.fillMode, warp.cval);
  else if (out !== src) out.set(src);
  if (params.channelShiftIntensity !== null && params.channelShiftIntensity !== undefined) {
    channelShiftPixels(out, params.channelShiftIntensity);
  }
  if (params.brightness !== null && params.brightness !== undefined) {
    brightnessPixels(out, params.brightness, channels);
  }
  return out;
}
