/**
 * The chapter's `deprocess_image`: turns an input-space tensor's values into displayable pixels.
 * Minus the mean, over (std + 1e-5), times 0.1, plus 0.5, clipped to [0, 1], times 255, then
 * truncated to an integer as numpy's `astype('uint8')`. Mean and std are taken over all values.
 */
export function deprocessImage(values: ArrayLike<number>): Uint8Array {
  const n = values.length;
  const out = new Uint8Array(n);
  if (n === 0) return out;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += values[i];
  const mean = sum / n;
  let sq = 0;
  for (let i = 0; i < n; i++) {
    const d = values[i] - mean;
    sq += d * d;
  }
  const scale = 0.1 / (Math.sqrt(sq / n) + 1e-5);
  for (let i = 0; i < n; i++) {
    let v = (values[i] - mean) * scale + 0.5;
    v = v < 0 ? 0 : Math.min(v, 1);
    out[i] = Math.trunc(v * 255);
  }
  return out;
}
