import { ConvkitUsageError, type PixelImage } from '@convkit/tensor';
import type { LayerActivation } from './activations';
import { normalizeChannel } from './channel-image';
import { type ColormapName, colorize, type EncodedImage, withPng } from './render';

/** Options of {@link activationGrid}. */
export interface ActivationGridOptions {
  /** Tiles per row of the grid (the chapter's `images_per_row`). Default 16. */
  imagesPerRow?: number;
  /** Which image of the batch to show. Default 0. */
  imageIndex?: number;
  /** Colour map for the 0-255 grid values. Default 'viridis', as the chapter's `plt.imshow`. */
  colormap?: ColormapName;
  /**
   * The chapter makes `channels // imagesPerRow` rows, so a last partial row (and every channel
   * of a layer with fewer than `imagesPerRow`) is left out. 'keep' (default) adds that row,
   * with blank tiles (value 0) after the last channel; 'drop' reproduces the chapter exactly.
   */
  partialRow?: 'keep' | 'drop';
}

/** The chapter's grid of one layer's channels: grey values, coloured pixels, PNG. */
export interface ActivationGrid extends EncodedImage {
  layerName: string;
  /** Rows and columns of tiles. */
  rows: number;
  columns: number;
  /** One tile's size: the feature map's height and width. */
  tileHeight: number;
  tileWidth: number;
  /** How many channels the grid shows (tiles beyond it are blank). */
  channelsShown: number;
  /** The normalised grid, 0-255, row-major, `pixels.height` x `pixels.width`, before colouring. */
  values: Uint8Array;
  /** RGBA pixels: `values` through the colour map. */
  pixels: PixelImage;
}

/**
 * Lays out every channel of a layer's feature map as the chapter does: channel
 * `row * imagesPerRow + column` fills the tile at that row and column, each channel normalised
 * with {@link normalizeChannel} (minus mean, over std, x64, +128, clipped to 0-255).
 */
export function activationGrid(
  activation: Pick<LayerActivation, 'layerName' | 'shape' | 'data'>,
  {
    imagesPerRow = 16,
    imageIndex = 0,
    colormap = 'viridis',
    partialRow = 'keep',
  }: ActivationGridOptions = {},
): ActivationGrid {
  const { shape, data, layerName } = activation;
  if (shape.length !== 4 && shape.length !== 3) {
    throw new ConvkitUsageError(
      `activationGrid: layer '${layerName}' has output shape [${shape.join(', ')}]; a grid needs a feature map [batch, height, width, channels].`,
    );
  }
  const [n, h, w, c] = shape.length === 4 ? shape : [1, ...shape];
  if (!Number.isInteger(imagesPerRow) || imagesPerRow < 1) {
    throw new ConvkitUsageError(
      `activationGrid: imagesPerRow must be a positive integer, got ${imagesPerRow}.`,
    );
  }
  if (!Number.isInteger(imageIndex) || imageIndex < 0 || imageIndex >= n) {
    throw new ConvkitUsageError(
      `activationGrid: imageIndex ${imageIndex} is out of range; the batch has ${n} image(s).`,
    );
  }
  if (data.length !== n * h * w * c) {
    throw new ConvkitUsageError(
      `activationGrid: layer '${layerName}' has ${data.length} values, shape [${shape.join(', ')}] needs ${n * h * w * c}.`,
    );
  }
  const rows = partialRow === 'drop' ? Math.floor(c / imagesPerRow) : Math.ceil(c / imagesPerRow);
  if (rows === 0) {
    throw new ConvkitUsageError(
      `activationGrid: layer '${layerName}' has ${c} channels, fewer than imagesPerRow ${imagesPerRow}, so partialRow 'drop' leaves nothing to show; use partialRow 'keep' or a smaller imagesPerRow.`,
    );
  }
  const channelsShown = Math.min(c, rows * imagesPerRow);
  const width = imagesPerRow * w;
  const height = rows * h;
  const values = new Uint8Array(width * height);
  const base = imageIndex * h * w * c;
  for (let k = 0; k < channelsShown; k++) {
    const row = Math.floor(k / imagesPerRow);
    const col = k % imagesPerRow;
    const top = row * h;
    const left = col * w;
    normalizeChannel(data, base + k, c, h * w, (p, v) => {
      values[(top + Math.floor(p / w)) * width + left + (p % w)] = v;
    });
  }
  const pixels = colorize(values, width, height, colormap);
  return withPng({
    layerName,
    rows,
    columns: imagesPerRow,
    tileHeight: h,
    tileWidth: w,
    channelsShown,
    values,
    pixels,
  });
}
