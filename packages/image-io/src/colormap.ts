import { ConvkitUsageError, type PixelImage } from '@convkit/tensor';
import { VIRIDIS_DATA } from './viridis-data';

/** The colour maps convkit draws heatmaps and activations with. */
export type ColormapName = 'viridis' | 'jet';

/** Whether values are fractions (0..1) or bytes (0..255). */
export type ColormapScale = 'unit' | 'byte';

/** A 256-entry colour map. */
export interface Colormap {
  readonly name: ColormapName;
  /** 256 RGB entries, 768 bytes: entry i is lut[3i], lut[3i + 1], lut[3i + 2]. */
  readonly lut: Uint8Array;
  /**
   * The entry a 0..1 value picks: for viridis as matplotlib's `cmap(x, bytes=True)` (floor(x * 256),
   * 1 -> 255); for jet as the chapter's `cv2.applyColorMap(np.uint8(255 * x), cv2.COLORMAP_JET)`
   * (floor(255 * x)). Values outside 0..1 are clipped; NaN picks entry 0.
   */
  indexOfUnit(x: number): number;
  /** The RGB colour of a 0..1 value. */
  colorOfUnit(x: number): [number, number, number];
  /** The RGB colour of a byte 0..255 (rounded and clipped), as `cv2.applyColorMap` on a uint8 image. */
  colorOfByte(v: number): [number, number, number];
}

const cache = new Map<ColormapName, Colormap>();

/**
 * A colour map by name. `viridis` is matplotlib's (bytes as `cmap(x, bytes=True)` gives them);
 * `jet` is OpenCV's `COLORMAP_JET` (the GNU Octave jet that the chapter's Grad-CAM overlay uses),
 * byte for byte, in RGB order (OpenCV returns BGR).
 */
export function colormap(name: ColormapName): Colormap {
  const known = cache.get(name);
  if (known) return known;
  let made: Colormap;
  if (name === 'viridis') made = makeColormap(name, viridisLut(), (x) => Math.floor(x * 256));
  else if (name === 'jet') made = makeColormap(name, jetLut(), (x) => Math.floor(x * 255));
  else {
    throw new ConvkitUsageError(`Unknown colour map '${String(name)}': expected 'viridis' or 'jet'.`);
  }
  cache.set(name, made);
  return made;
}

/**
 * Colours a width x height grid of values (row-major) into an RGB image. `scale: 'unit'` (default)
 * reads values as 0..1, `'byte'` as 0..255.
 */
export function applyColormap(
  values: ArrayLike<number>,
  size: { width: number; height: number },
  map: ColormapName | Colormap = 'jet',
  { scale = 'unit' }: { scale?: ColormapScale } = {},
): PixelImage {
  const cmap = typeof map === 'string' ? colormap(map) : map;
  const { width, height } = size;
  if (values.length !== width * height) {
    throw new ConvkitUsageError(
      `applyColormap: ${width}x${height} needs ${width * height} values, got ${values.length}.`,
    );
  }
  const out = new Uint8Array(values.length * 3);
  const { lut } = cmap;
  for (let i = 0; i < values.length; i++) {
    const k = 3 * (scale === 'byte' ? byteIndex(values[i]) : cmap.indexOfUnit(values[i]));
    out[3 * i] = lut[k];
    out[3 * i + 1] = lut[k + 1];
    out[3 * i + 2] = lut[k + 2];
  }
  return { width, height, channels: 3, data: out };
}

function makeColormap(name: ColormapName, lut: Uint8Array, unitToIndex: (x: number) => number): Colormap {
  const indexOfUnit = (x: number) =>
    Number.isNaN(x) ? 0 : clampIndex(unitToIndex(Math.min(1, Math.max(0, x))));
  const color = (i: number): [number, number, number] => [lut[3 * i], lut[3 * i + 1], lut[3 * i + 2]];
  return {
    name,
    lut,
    indexOfUnit,
    colorOfUnit: (x) => color(indexOfUnit(x)),
    colorOfByte: (v) => color(byteIndex(v)),
  };
}

function clampIndex(i: number): number {
  return Math.min(255, Math.max(0, i));
}

function byteIndex(v: number): number {
  return Number.isNaN(v) ? 0 : clampIndex(Math.round(v));
}

/** matplotlib's bytes: (lut * 255).astype(uint8), a truncation. */
function viridisLut(): Uint8Array {
  const lut = new Uint8Array(768);
  for (let i = 0; i < 768; i++) lut[i] = Math.floor(VIRIDIS_DATA[i] * 255);
  return lut;
}

/**
 * OpenCV's COLORMAP_JET: the Octave jet (red = 1.5 - |4x - 3|, green = 1.5 - |4x - 2|,
 * blue = 1.5 - |4x - 1|, clipped to 0..1) sampled at 256 points, re-interpolated in float32 at
 * the same points and scaled by 255 with round-half-to-even, as OpenCV builds its table. Most
 * entries are exactly half-way between two bytes, so the float32 steps decide them; this
 * reproduces OpenCV 4.6's table exactly (checked in colormap.test.ts).
 */
function jetLut(): Uint8Array {
  const f = Math.fround;
  const step = f(1 / 255);
  const xs = Array.from({ length: 256 }, (_, i) => f(i * step));
  const lut = new Uint8Array(768);
  [3, 2, 1].forEach((k, channel) => {
    const ys = Array.from({ length: 256 }, (_, i) =>
      f(Math.min(1, Math.max(0, 1.5 - Math.abs((4 * i) / 255 - k)))),
    );
    for (let i = 0; i < 256; i++) {
      // OpenCV's interp1 finds the segment [low, high] with xs[high] >= x, then interpolates.
      const low = i === 0 ? 0 : i - 1;
      const high = i === 0 ? 1 : i;
      const t = f(f(f(xs[i] - xs[low]) * f(ys[high] - ys[low])) / f(xs[high] - xs[low]));
      lut[3 * i + channel] = roundHalfEven(f(f(ys[low] + t) * 255));
    }
  });
  return lut;
}

function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}
