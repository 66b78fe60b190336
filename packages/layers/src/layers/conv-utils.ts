import { usageError } from '../core/errors';

/** Keras padding modes. */
export type Padding = 'valid' | 'same';

/** Keras's conv_output_length: the output size of a window sliding over `length` (null stays null). */
export function convOutputLength(
  length: number | null,
  window: number,
  padding: Padding,
  stride: number,
  dilation: number,
  layer: string,
): number | null {
  if (length === null) return null;
  const dilated = window + (window - 1) * (dilation - 1);
  const out = padding === 'same' ? length : length - dilated + 1;
  if (out <= 0) {
    usageError(
      `Layer ${layer}: a window of ${dilated} does not fit an input of size ${length} with padding 'valid'; the input is too small (or use padding 'same').`,
    );
  }
  return Math.floor((out + stride - 1) / stride);
}
