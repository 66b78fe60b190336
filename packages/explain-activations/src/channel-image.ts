/**
 * The chapter's display transform of one channel of a feature map, written into `out`:
 * minus the channel's mean, over its (population) standard deviation, times 64, plus 128,
 * clipped to 0-255 and truncated to an integer, as numpy's `astype('uint8')`.
 * A constant channel (standard deviation 0) gives a flat tile of 128 instead of NaN.
 *
 * `values` is interleaved: the channel's pixel p is at `values[offset + p * stride]`.
 */
export function normalizeChannel(
  values: ArrayLike<number>,
  offset: number,
  stride: number,
  count: number,
  out: (pixel: number, value: number) => void,
): void {
  let sum = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let p = 0; p < count; p++) {
    const v = values[offset + p * stride];
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (!(max > min)) {
    // Constant channel (or empty): the chapter divides 0 by 0 here; show it as mid-grey.
    for (let p = 0; p < count; p++) out(p, 128);
    return;
  }
  const mean = sum / count;
  let sq = 0;
  for (let p = 0; p < count; p++) {
    const d = values[offset + p * stride] - mean;
    sq += d * d;
  }
  const std = Math.sqrt(sq / count);
  for (let p = 0; p < count; p++) {
    const v = ((values[offset + p * stride] - mean) / std) * 64 + 128;
    out(p, Math.trunc(v < 0 ? 0 : Math.min(v, 255)));
  }
}
