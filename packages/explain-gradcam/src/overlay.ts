import { type ColormapName, colormap, encodePng } from '@convkit/image-io';
import { assertPixelImage, ConvkitUsageError, convertChannels, type PixelImage } from '@convkit/tensor';
import type { Heatmap } from './grad-cam';
import { resizeHeatmap } from './resize-heatmap';

/** Options of {@link overlay}. */
export interface OverlayOptions {
  /** Weight of the coloured heatmap added to the image. Default 0.4, as the chapter. */
  alpha?: number;
  /** Colour map. Default 'jet' (OpenCV's COLORMAP_JET, as the chapter). */
  colormap?: ColormapName;
}

/** An overlay: RGB pixels at the image's size, and their PNG encoding (made on first access). */
export interface Overlay {
  pixels: PixelImage;
  readonly png: Uint8Array;
}

/**
 * The chapter's superimposed image: the heatmap resized to the image (bilinear), turned into
 * bytes (`uint8(255 * heatmap)`), coloured, then `heatmap * alpha + image`, clipped to 0-255
 * and rounded. A grey image is treated as RGB; an alpha channel is dropped.
 */
export function overlay(
  image: PixelImage,
  heatmap: Heatmap,
  { alpha = 0.4, colormap: map = 'jet' }: OverlayOptions = {},
): Overlay {
  assertPixelImage(image, 'overlay image');
  if (heatmap.data.length !== heatmap.width * heatmap.height || heatmap.width < 1 || heatmap.height < 1) {
    throw new ConvkitUsageError(
      `overlay: the heatmap is ${heatmap.width}x${heatmap.height} but has ${heatmap.data.length} values.`,
    );
  }
  if (!Number.isFinite(alpha) || alpha < 0) {
    throw new ConvkitUsageError(`overlay: alpha must be a number >= 0, got ${alpha}.`);
  }
  const rgb = convertChannels(image, 3);
  const { width, height } = rgb;
  const resized = resizeHeatmap(heatmap, width, height);
  const lut = colormap(map).lut;
  const data = new Uint8Array(width * height * 3);
  for (let p = 0; p < width * height; p++) {
    const k = 3 * heatmapByte(resized[p]);
    for (let c = 0; c < 3; c++) {
      const v = Math.round(lut[k + c] * alpha + rgb.data[3 * p + c]);
      data[3 * p + c] = Math.min(v, 255);
    }
  }
  const pixels: PixelImage = { width, height, channels: 3, data };
  let png: Uint8Array | undefined;
  return {
    pixels,
    get png() {
      png ??= encodePng(pixels);
      return png;
    },
  };
}

/** The chapter's `np.uint8(255 * heatmap)` on a float32 heatmap value: the product in float32, truncated, clipped. */
function heatmapByte(v: number): number {
  if (!(v > 0)) return 0;
  const b = Math.floor(Math.fround(v * 255));
  return Math.min(b, 255);
}

/** The heatmap alone as coloured RGB pixels (the chapter's `plt.matshow(heatmap)`), at its own size unless `size` is given. */
export function heatmapImage(
  heatmap: Heatmap,
  {
    colormap: map = 'viridis',
    size,
  }: { colormap?: ColormapName; size?: { width: number; height: number } } = {},
): PixelImage {
  const { width, height } = size ?? heatmap;
  const values = size ? resizeHeatmap(heatmap, width, height) : heatmap.data;
  const cmap = colormap(map);
  const data = new Uint8Array(width * height * 3);
  for (let p = 0; p < width * height; p++) {
    const k = 3 * cmap.indexOfUnit(values[p]);
    data[3 * p] = cmap.lut[k];
    data[3 * p + 1] = cmap.lut[k + 1];
    data[3 * p + 2] = cmap.lut[k + 2];
  }
  return { width, height, channels: 3, data };
}
