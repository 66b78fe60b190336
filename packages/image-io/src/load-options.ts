import { ConvkitUsageError, type PixelImage } from '@convkit/tensor';
import { type ColorMode, channelsOf, toColorMode } from './color-mode';
import { INTERPOLATIONS, type Interpolation, resizeImage } from './resize';

/** How to load an image, as Keras's `load_img(path, color_mode, target_size, interpolation)`. */
export interface LoadImageOptions {
  /** [height, width] to resize to (Keras order); omitted keeps the file's size. */
  targetSize?: readonly [number, number];
  /** 'rgb' (default), 'grayscale' or 'rgba'. */
  colorMode?: ColorMode;
  /** How to resize: 'nearest' (Keras's default), 'bilinear', 'bicubic', 'hamming', 'box', 'lanczos'. */
  interpolation?: Interpolation;
}

/** Checks load options and throws a usage error naming the bad one. */
export function checkLoadOptions(options: LoadImageOptions): void {
  const { targetSize, colorMode = 'rgb', interpolation = 'nearest' } = options;
  channelsOf(colorMode);
  if (targetSize !== undefined) {
    const ok =
      Array.isArray(targetSize) &&
      targetSize.length === 2 &&
      targetSize.every((v) => Number.isInteger(v) && v > 0);
    if (!ok) {
      throw new ConvkitUsageError(
        `targetSize must be [height, width] with two positive integers, got ${JSON.stringify(targetSize)}.`,
      );
    }
  }
  if (!INTERPOLATIONS.includes(interpolation)) {
    throw new ConvkitUsageError(
      `Unknown interpolation '${String(interpolation)}': expected one of ${INTERPOLATIONS.join(', ')}.`,
    );
  }
}

/**
 * What Keras's `load_img` does after decoding: convert to the colour mode first, then resize to
 * targetSize (when it differs from the image's size) with the interpolation.
 */
export function finishLoadedImage(decoded: PixelImage, options: LoadImageOptions = {}): PixelImage {
  const { targetSize, colorMode = 'rgb', interpolation = 'nearest' } = options;
  const converted = toColorMode(decoded, colorMode);
  if (!targetSize) return converted;
  const [height, width] = targetSize;
  return resizeImage(converted, width, height, interpolation);
}
