import { assertPixelImage, ConvkitUsageError, type PixelImage } from '@convkit/tensor';

/** Keras's `color_mode`: how many channels a loaded image gets. */
export type ColorMode = 'rgb' | 'grayscale' | 'rgba';

const CHANNELS: Record<ColorMode, 1 | 3 | 4> = { grayscale: 1, rgb: 3, rgba: 4 };

/** The channel count of a colour mode (grayscale 1, rgb 3, rgba 4); throws on an unknown mode. */
export function channelsOf(mode: ColorMode): 1 | 3 | 4 {
  const channels = CHANNELS[mode];
  if (channels === undefined) {
    throw new ConvkitUsageError(
      `Unknown colorMode '${String(mode)}': expected 'rgb', 'grayscale' or 'rgba'.`,
    );
  }
  return channels;
}

/**
 * Converts an image to a colour mode as PIL's `Image.convert` does (what Keras's `load_img` calls):
 * grey to RGB repeats the value, RGB to grey is PIL's fixed-point ITU-R 601-2 luma
 * (L = (19595 R + 38470 G + 7471 B + 32768) >> 16), RGBA to RGB drops alpha (no compositing),
 * RGB to RGBA adds an opaque alpha. An image already in the mode is returned as it is.
 */
export function toColorMode(image: PixelImage, mode: ColorMode): PixelImage {
  assertPixelImage(image);
  const channels = channelsOf(mode);
  if (image.channels === channels) return image;
  const n = image.width * image.height;
  const src = image.data;
  const inC = image.channels;
  const out = new Uint8Array(n * channels);
  for (let p = 0; p < n; p++) {
    const s = p * inC;
    const r = src[s];
    const g = inC === 1 ? r : src[s + 1];
    const b = inC === 1 ? r : src[s + 2];
    const o = p * channels;
    if (channels === 1) {
      out[o] = (r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16;
    } else {
      out[o] = r;
      out[o + 1] = g;
      out[o + 2] = b;
      if (channels === 4) out[o + 3] = inC === 4 ? src[s + 3] : 255;
    }
  }
  return { width: image.width, height: image.height, channels, data: out };
}
