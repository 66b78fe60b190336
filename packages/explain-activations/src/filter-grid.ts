import { ConvkitUsageError, createRandom, type PixelImage } from '@convkit/tensor';
import {
  checkFilterIndex,
  type FilterPattern,
  patternSize,
  patternSource,
  patternsFor,
} from './filter-pattern';
import type { ExplainableModel } from './model';
import { type EncodedImage, withPng } from './render';

/** Progress of {@link filterGrid}, reported after every gradient-ascent step. */
export interface GridProgress {
  /** Filters finished so far. */
  done: number;
  total: number;
  /** Fraction of all the work done, 0-1. */
  fraction: number;
}

/** Options of {@link filterGrid}. */
export interface FilterGridOptions {
  /** How many filters, from filter 0. Default 64 (or the layer's filter count if smaller). */
  count?: number;
  /** Each pattern's size in pixels. Default 64, as the chapter's grids (or the model's fixed input size). */
  size?: number;
  /** Black margin between patterns, in pixels. Default 5. */
  margin?: number;
  /** Gradient-ascent steps per pattern. Default 40. */
  steps?: number;
  /** Step size. Default 1. */
  stepSize?: number;
  /** Seed of the starting noise (tile f equals `filterPattern(..., f, { seed })`). Default random. */
  seed?: number | string;
  /** Filters computed together in one batch. Default 16. */
  batchSize?: number;
  /** Called after every step with the share of the work done. */
  onProgress?: (progress: GridProgress) => void;
}

/** The chapter's grid of filter patterns for one layer. */
export interface FilterGrid extends EncodedImage {
  layerName: string;
  /** Tiles per side (8 for 64 filters). */
  side: number;
  patterns: FilterPattern[];
  /** The grid: side*size + (side-1)*margin pixels square, margins black. */
  pixels: PixelImage;
}

/**
 * The chapter's `generate_patterns_in_layer`: patterns of filters 0..count-1 laid out on a
 * side x side grid (8 x 8 for 64), filter `i + side * j` at grid row i, column j, exactly as the
 * chapter's loop. The truncated model is built once for the layer.
 */
export async function filterGrid(
  model: ExplainableModel,
  layerName: string,
  {
    count,
    size: sizeOption,
    margin = 5,
    batchSize = 16,
    seed,
    onProgress,
    ...ascent
  }: FilterGridOptions = {},
): Promise<FilterGrid> {
  const source = patternSource(model, layerName, 'filterGrid');
  const total = count ?? Math.min(64, source.filters);
  if (!Number.isInteger(total) || total < 1) {
    throw new ConvkitUsageError(`filterGrid: count must be a positive integer, got ${total}.`);
  }
  checkFilterIndex(source, total - 1, 'filterGrid');
  const size = patternSize(model, sizeOption, 64, 'filterGrid');
  if (!Number.isInteger(margin) || margin < 0) {
    throw new ConvkitUsageError(`filterGrid: margin must be a non-negative integer, got ${margin}.`);
  }
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new ConvkitUsageError(`filterGrid: batchSize must be a positive integer, got ${batchSize}.`);
  }
  const runSeed = seed ?? createRandom().uint32();
  const steps = ascent.steps ?? 40;
  const patterns: FilterPattern[] = [];
  while (patterns.length < total) {
    const done = patterns.length;
    const indices = Array.from({ length: Math.min(batchSize, total - done) }, (_, k) => done + k);
    const batch = await patternsFor(source, indices, {
      ...ascent,
      size,
      seed: runSeed,
      onStep: ({ step }) =>
        onProgress?.({
          done: step === steps ? done + indices.length : done,
          total,
          fraction: (done + (indices.length * step) / steps) / total,
        }),
    });
    patterns.push(...batch);
  }
  const side = Math.ceil(Math.sqrt(total));
  const channels = source.channels;
  const extent = side * size + (side - 1) * margin;
  const data = new Uint8Array(extent * extent * 3);
  for (const pattern of patterns) {
    const f = pattern.filterIndex;
    const top = (f % side) * (size + margin);
    const left = Math.floor(f / side) * (size + margin);
    const src = pattern.pixels.data;
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const s = (y * size + x) * channels;
        const d = ((top + y) * extent + left + x) * 3;
        data[d] = src[s];
        data[d + 1] = src[channels === 1 ? s : s + 1];
        data[d + 2] = src[channels === 1 ? s : s + 2];
      }
    }
  }
  return withPng({ layerName, side, patterns, pixels: { width: extent, height: extent, channels: 3, data } });
}
