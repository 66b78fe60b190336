import { assertPixelImage, ConvkitUsageError, type PixelImage } from '@convkit/tensor';

/** Keras's `interpolation` names for resizing a loaded image (PIL's resampling filters). */
export type Interpolation = 'nearest' | 'bilinear' | 'bicubic' | 'hamming' | 'box' | 'lanczos';

/** Every interpolation `resizeImage` and `readImage` accept. */
export const INTERPOLATIONS: readonly Interpolation[] = [
  'nearest',
  'bilinear',
  'bicubic',
  'hamming',
  'box',
  'lanczos',
];

interface Filter {
  support: number;
  weight(x: number): number;
}

const FILTERS: Record<Exclude<Interpolation, 'nearest'>, Filter> = {
  box: { support: 0.5, weight: (x) => (x > -0.5 && x <= 0.5 ? 1 : 0) },
  bilinear: { support: 1, weight: (x) => (Math.abs(x) < 1 ? 1 - Math.abs(x) : 0) },
  hamming: {
    support: 1,
    weight: (x) => {
      const a = Math.abs(x);
      if (a === 0) return 1;
      if (a >= 1) return 0;
      const px = Math.PI * a;
      // PIL writes 0.54f and 0.46f: float32 constants.
      return (Math.sin(px) / px) * (Math.fround(0.54) + Math.fround(0.46) * Math.cos(px));
    },
  },
  bicubic: {
    support: 2,
    weight: (x) => {
      const a = -0.5;
      const t = Math.abs(x);
      if (t < 1) return ((a + 2) * t - (a + 3)) * t * t + 1;
      if (t < 2) return (((t - 5) * t + 8) * t - 4) * a;
      return 0;
    },
  },
  lanczos: {
    support: 3,
    weight: (x) => (x >= -3 && x < 3 ? sinc(x) * sinc(x / 3) : 0),
  },
};

function sinc(x: number): number {
  if (x === 0) return 1;
  const px = Math.PI * x;
  return Math.sin(px) / px;
}

/**
 * Resizes 8-bit pixels to width x height the way PIL's `Image.resize` does (what Keras's
 * `load_img(target_size=...)` calls), so the pixels match Keras's: 'nearest' picks source pixel
 * floor((i + 0.5) * in / out) (PIL's affine scaling, accumulated in doubles), the other filters are
 * PIL's separable, antialiasing resampling (support widened when shrinking) in 22-bit fixed point,
 * horizontal pass first.
 */
export function resizeImage(
  image: PixelImage,
  width: number,
  height: number,
  interpolation: Interpolation = 'nearest',
): PixelImage {
  assertPixelImage(image, 'resizeImage');
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0)) {
    throw new ConvkitUsageError(
      `resizeImage: width and height must be positive integers, got ${width}x${height}.`,
    );
  }
  if (!INTERPOLATIONS.includes(interpolation)) {
    throw new ConvkitUsageError(
      `Unknown interpolation '${String(interpolation)}': expected one of ${INTERPOLATIONS.join(', ')}.`,
    );
  }
  if (image.width === width && image.height === height) return image;
  if (interpolation === 'nearest') return resizeNearest(image, width, height);
  const filter = FILTERS[interpolation];
  let current = image;
  if (width !== image.width) current = resampleAxis(current, width, filter, 'x');
  if (height !== image.height) current = resampleAxis(current, height, filter, 'y');
  return current;
}

/** PIL's ImagingScaleAffine: source index floor(x0), floor(x0 + s), ... with x0 = s / 2. */
function nearestIndices(inSize: number, outSize: number): Int32Array {
  const scale = inSize / outSize;
  const out = new Int32Array(outSize);
  let pos = scale * 0.5;
  for (let i = 0; i < outSize; i++) {
    out[i] = Math.min(inSize - 1, Math.floor(pos));
    pos += scale;
  }
  return out;
}

function resizeNearest(image: PixelImage, width: number, height: number): PixelImage {
  const c = image.channels;
  const xs = nearestIndices(image.width, width);
  const ys = nearestIndices(image.height, height);
  const out = new Uint8Array(width * height * c);
  const src = image.data;
  for (let y = 0; y < height; y++) {
    const rowIn = ys[y] * image.width;
    let o = y * width * c;
    if (y > 0 && ys[y] === ys[y - 1]) {
      // Same source row as the previous output row: copy that row.
      out.copyWithin(o, o - width * c, o);
      continue;
    }
    if (c === 3) {
      for (let x = 0; x < width; x++, o += 3) {
        const s = (rowIn + xs[x]) * 3;
        out[o] = src[s];
        out[o + 1] = src[s + 1];
        out[o + 2] = src[s + 2];
      }
    } else {
      for (let x = 0; x < width; x++) {
        const s = (rowIn + xs[x]) * c;
        for (let k = 0; k < c; k++, o++) out[o] = src[s + k];
      }
    }
  }
  return { width, height, channels: c, data: out };
}

const PRECISION_BITS = 32 - 8 - 2;

interface Coefficients {
  /** First source index of each output sample's window. */
  starts: Int32Array;
  /** Window length of each output sample. */
  lengths: Int32Array;
  /** Integer weights (22-bit fixed point), `kernelSize` per output sample. */
  weights: Int32Array;
  kernelSize: number;
}

/** PIL's precompute_coeffs + normalize_coeffs_8bpc. */
function coefficients(inSize: number, outSize: number, filter: Filter): Coefficients {
  const scale = inSize / outSize;
  const filterScale = Math.max(1, scale);
  const support = filter.support * filterScale;
  const kernelSize = Math.ceil(support) * 2 + 1;
  const starts = new Int32Array(outSize);
  const lengths = new Int32Array(outSize);
  const weights = new Int32Array(outSize * kernelSize);
  const k = new Float64Array(kernelSize);
  const ss = 1 / filterScale;
  for (let i = 0; i < outSize; i++) {
    const center = (i + 0.5) * scale;
    let xmin = Math.trunc(center - support + 0.5);
    if (xmin < 0) xmin = 0;
    let xmax = Math.trunc(center + support + 0.5);
    if (xmax > inSize) xmax = inSize;
    xmax -= xmin;
    let total = 0;
    for (let x = 0; x < xmax; x++) {
      const w = filter.weight((x + xmin - center + 0.5) * ss);
      k[x] = w;
      total += w;
    }
    for (let x = 0; x < xmax; x++) {
      const w = total !== 0 ? k[x] / total : k[x];
      weights[i * kernelSize + x] =
        w < 0 ? Math.trunc(-0.5 + w * (1 << PRECISION_BITS)) : Math.trunc(0.5 + w * (1 << PRECISION_BITS));
    }
    starts[i] = xmin;
    lengths[i] = xmax;
  }
  return { starts, lengths, weights, kernelSize };
}

function resampleAxis(image: PixelImage, outSize: number, filter: Filter, axis: 'x' | 'y'): PixelImage {
  const c = image.channels;
  const { width, height } = image;
  const inSize = axis === 'x' ? width : height;
  const { starts, lengths, weights, kernelSize } = coefficients(inSize, outSize, filter);
  const outW = axis === 'x' ? outSize : width;
  const outH = axis === 'x' ? height : outSize;
  const out = new Uint8Array(outW * outH * c);
  const src = image.data;
  const half = 1 << (PRECISION_BITS - 1);
  // Stride between neighbouring samples along the axis, and between lines across it.
  const along = axis === 'x' ? c : width * c;
  const across = axis === 'x' ? width * c : c;
  const lines = axis === 'x' ? height : width;
  const outAlong = axis === 'x' ? c : outW * c;
  const outAcross = axis === 'x' ? outW * c : c;
  for (let line = 0; line < lines; line++) {
    for (let i = 0; i < outSize; i++) {
      const start = starts[i];
      const len = lengths[i];
      const w0 = i * kernelSize;
      for (let ch = 0; ch < c; ch++) {
        let acc = half;
        let s = line * across + start * along + ch;
        for (let t = 0; t < len; t++, s += along) acc += src[s] * weights[w0 + t];
        const v = acc >> PRECISION_BITS;
        out[line * outAcross + i * outAlong + ch] = Math.min(255, Math.max(0, v));
      }
    }
  }
  return { width: outW, height: outH, channels: c, data: out };
}
