import {
  ConvkitUsageError,
  createRandom,
  type PixelImage,
  pixelsToTensor,
  tensorToPixels,
} from '@convkit/tensor';
import * as tf from '@tensorflow/tfjs-core';
import type { ImageDataGenerator } from './image-data-generator';

/** Options of `augmentedGrid`. */
export interface GridOptions {
  /** How many augmented versions (default 4, as the chapter's four cats). */
  count?: number;
  /** Tiles per row (default: all in one row). */
  columns?: number;
  /** Seed for the random transforms. */
  seed?: number | string;
  /** Pixels between tiles (default 4). */
  gap?: number;
  /** Colour of the gaps, 0-255 (default 255, white). */
  background?: number;
}

/**
 * A grid of `count` randomly augmented versions of one image (random transforms only, on 0-255
 * pixels, no rescaling), like the chapter's figure of four augmented cats. Resolves to pixels to
 * save with writePng or show on a canvas. Async: each tile is read back from the backend without
 * blocking (WebGPU in node cannot read synchronously at all).
 */
export async function augmentedGrid(
  image: PixelImage,
  generator: ImageDataGenerator,
  options: GridOptions = {},
): Promise<PixelImage> {
  const { count = 4, seed, gap = 4, background = 255 } = options;
  const columns = options.columns ?? count;
  if (!(Number.isInteger(count) && count > 0)) {
    throw new ConvkitUsageError(`augmentedGrid: count must be a positive integer, got ${count}.`);
  }
  if (!(Number.isInteger(columns) && columns > 0)) {
    throw new ConvkitUsageError(`augmentedGrid: columns must be a positive integer, got ${columns}.`);
  }
  if (!(Number.isInteger(gap) && gap >= 0)) {
    throw new ConvkitUsageError(`augmentedGrid: gap must be an integer >= 0, got ${gap}.`);
  }
  const rng = createRandom(seed);
  const { width, height, channels } = image;
  const rows = Math.ceil(count / columns);
  const gridW = columns * width + (columns - 1) * gap;
  const gridH = rows * height + (rows - 1) * gap;
  const out = new Uint8Array(gridW * gridH * channels).fill(background);
  const source = pixelsToTensor(image);
  try {
    for (let i = 0; i < count; i++) {
      const tile = tf.tidy(
        () => tf.clipByValue(generator.transformImage(source, rng), 0, 255) as tf.Tensor3D,
      );
      const pixels = await tensorToPixels(tile);
      tile.dispose();
      const x0 = (i % columns) * (width + gap);
      const y0 = Math.floor(i / columns) * (height + gap);
      for (let y = 0; y < height; y++) {
        out.set(
          pixels.data.subarray(y * width * channels, (y + 1) * width * channels),
          ((y0 + y) * gridW + x0) * channels,
        );
      }
    }
  } finally {
    source.dispose();
  }
  return { width: gridW, height: gridH, channels, data: out };
}
