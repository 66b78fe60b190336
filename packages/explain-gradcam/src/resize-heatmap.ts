import type { Heatmap } from './grad-cam';

const f32 = Math.fround;

/**
 * Bilinear resize of a heatmap to width x height, as OpenCV's `cv2.resize` with INTER_LINEAR on
 * a float32 image (the chapter's call): pixel centres aligned (source x = (x + 0.5) * scale - 0.5),
 * edges clamped, arithmetic rounded to float32 at each step as OpenCV does, so the result
 * matches it to the last bit in the common cases.
 */
export function resizeHeatmap(heatmap: Heatmap, width: number, height: number): Float32Array {
  const { width: sw, height: sh, data } = heatmap;
  const out = new Float32Array(width * height);
  const xs = axis(width, sw);
  const ys = axis(height, sh);
  const row0 = new Float32Array(width);
  const row1 = new Float32Array(width);
  const horizontal = (sy: number, row: Float32Array) => {
    for (let x = 0; x < width; x++) {
      const [x0, x1, fx] = xs[x];
      row[x] = f32(f32(data[sy * sw + x0] * f32(1 - fx)) + f32(data[sy * sw + x1] * fx));
    }
  };
  for (let y = 0; y < height; y++) {
    const [y0, y1, fy] = ys[y];
    horizontal(y0, row0);
    horizontal(y1, row1);
    const b0 = f32(1 - fy);
    for (let x = 0; x < width; x++) out[y * width + x] = f32(f32(row0[x] * b0) + f32(row1[x] * fy));
  }
  return out;
}

/** For each destination index: the two source indices and the (float32) weight of the second. */
function axis(size: number, sourceSize: number): [number, number, number][] {
  const scale = sourceSize / size;
  return Array.from({ length: size }, (_, i) => {
    const s = f32((i + 0.5) * scale - 0.5);
    const i0 = Math.floor(s);
    if (i0 < 0) return [0, 0, 0];
    if (i0 >= sourceSize - 1) return [sourceSize - 1, sourceSize - 1, 0];
    return [i0, i0 + 1, f32(s - i0)];
  });
}
