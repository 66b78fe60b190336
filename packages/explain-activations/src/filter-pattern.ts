import { ConvkitUsageError, createRandom, type PixelImage } from '@convkit/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { deprocessImage } from './deprocess';
import { type AscentStep, gradientAscent } from './gradient-ascent';
import { type ExplainableModel, findSpatialLayer } from './model';
import { type EncodedImage, withPng } from './render';

/** Options of {@link filterPattern}. */
export interface FilterPatternOptions {
  /**
   * Height and width of the pattern, in pixels. Default 150, as the chapter (whose VGG16 takes
   * any size), or the model's input size when it takes one size only.
   */
  size?: number;
  /** Gradient-ascent steps. Default 40. */
  steps?: number;
  /** Step size in pixel units (the input starts around 128). Default 1. */
  stepSize?: number;
  /**
   * Seed of the starting noise. Filter f's noise depends only on (seed, f), so a pattern is the
   * same alone or inside {@link filterGrid}. Default: a random seed.
   */
  seed?: number | string;
  /** Called after each gradient-ascent step. */
  onStep?: (info: AscentStep) => void;
}

/** One filter's pattern: the input that maximises its mean activation, deprocessed to pixels. */
export interface FilterPattern extends EncodedImage {
  layerName: string;
  filterIndex: number;
  /** The filter's mean activation before each step, and after the last one (steps + 1 values). */
  losses: number[];
  /** size x size pixels with the model's input channels (RGB for a colour model). */
  pixels: PixelImage;
}

/** The starting image of the chapter: uniform noise in [128, 148), seeded per filter. */
export function startingNoise(
  seed: number | string,
  filterIndex: number,
  size: number,
  channels: number,
): Float32Array {
  const rng = createRandom(`${seed}`).fork(`filter-${filterIndex}`);
  return rng.fill(size * size * channels, () => rng.next() * 20 + 128);
}

/** A resolved layer and its truncated model (input -> layer output), built once per layer. */
export interface PatternSource {
  layerName: string;
  filters: number;
  channels: number;
  head: (x: tf.Tensor) => tf.Tensor;
}

/** Checks the layer and builds its truncated model once (the chapter's `model.get_layer(name).output`). */
export function patternSource(model: ExplainableModel, layerName: string, what: string): PatternSource {
  const layer = findSpatialLayer(model, layerName, what);
  const filters = layer.outputShape[3];
  if (filters == null)
    throw new ConvkitUsageError(`${what}: layer '${layerName}' has an unknown number of channels.`);
  const channels = model.inputShape[3] ?? 3;
  return { layerName, filters, channels, head: model.splitAt(layerName).head };
}

/** Checks a filter index against the layer's channel count. */
export function checkFilterIndex(source: PatternSource, filterIndex: number, what: string): void {
  if (!Number.isInteger(filterIndex) || filterIndex < 0 || filterIndex >= source.filters) {
    throw new ConvkitUsageError(
      `${what}: filter index ${filterIndex} is out of range; layer '${source.layerName}' has ${source.filters} filters (0 to ${source.filters - 1}).`,
    );
  }
}

/** Patterns for several filters of one layer at once (one batch through the truncated model). */
export async function patternsFor(
  source: PatternSource,
  filterIndices: number[],
  {
    size = 150,
    steps = 40,
    stepSize = 1,
    seed,
    onStep,
  }: Omit<FilterPatternOptions, 'seed'> & { seed: number | string },
): Promise<FilterPattern[]> {
  const { channels, filters, head, layerName } = source;
  const n = filterIndices.length;
  const start = tf.tidy(() => {
    const noise = new Float32Array(n * size * size * channels);
    filterIndices.forEach((f, k) => {
      noise.set(startingNoise(seed, f, size, channels), k * size * size * channels);
    });
    return tf.tensor4d(noise, [n, size, size, channels]);
  });
  const mask = tf.tidy(() =>
    tf.reshape(tf.cast(tf.oneHot(tf.tensor1d(filterIndices, 'int32'), filters), 'float32'), [
      n,
      1,
      1,
      filters,
    ]),
  );
  const objective = (x: tf.Tensor4D) => {
    const out = head(x) as tf.Tensor4D;
    if (out.rank !== 4 || out.shape[3] !== filters) {
      throw new ConvkitUsageError(
        `filterPattern: layer '${layerName}' gave shape [${out.shape.join(', ')}] for a ${size}x${size} input; expected [${n}, h, w, ${filters}].`,
      );
    }
    return tf.mean(tf.sum(tf.mul(out, mask), 3), [1, 2]);
  };
  try {
    const { image, losses } = await gradientAscent(objective, start, { steps, stepSize, onStep });
    const data = await image.data();
    tf.dispose(image);
    const per = size * size * channels;
    return filterIndices.map((filterIndex, k) =>
      withPng({
        layerName,
        filterIndex,
        losses: losses.map((l) => l[k]),
        pixels: {
          width: size,
          height: size,
          channels: channels as 1 | 3,
          data: deprocessImage(data.subarray(k * per, (k + 1) * per)),
        },
      }),
    );
  } finally {
    tf.dispose([start, mask]);
  }
}

/**
 * The chapter's `generate_pattern`: gradient ascent on the input to maximise the mean activation
 * of filter `filterIndex` of layer `layerName`, from grey noise, then deprocessed to pixels.
 */
export async function filterPattern(
  model: ExplainableModel,
  layerName: string,
  filterIndex: number,
  options: FilterPatternOptions = {},
): Promise<FilterPattern> {
  const source = patternSource(model, layerName, 'filterPattern');
  checkFilterIndex(source, filterIndex, 'filterPattern');
  const size = patternSize(model, options.size, 150, 'filterPattern');
  const seed = options.seed ?? createRandom().uint32();
  const [pattern] = await patternsFor(source, [filterIndex], { ...options, size, seed });
  return pattern;
}

/**
 * The pattern size to use: `size` if given (checked against a model that takes one input size
 * only), else that fixed size, else `fallback`.
 */
export function patternSize(
  model: ExplainableModel,
  size: number | undefined,
  fallback: number,
  what: string,
): number {
  const [, h, w] = model.inputShape;
  const fixed = h != null || w != null;
  if (fixed && (h == null || w == null || h !== w)) {
    throw new ConvkitUsageError(
      `${what}: model '${model.name}' takes ${w ?? 'any'}x${h ?? 'any'} inputs (width x height); patterns are square, so build the model with inputShape [null, null, channels] (any size) or [n, n, channels].`,
    );
  }
  const chosen = size ?? (fixed ? (h as number) : fallback);
  if (!Number.isInteger(chosen) || chosen < 1) {
    throw new ConvkitUsageError(`${what}: size must be a positive integer number of pixels, got ${chosen}.`);
  }
  if (fixed && chosen !== h) {
    throw new ConvkitUsageError(
      `${what}: model '${model.name}' takes ${w}x${h} inputs only, so the pattern size must be ${h} (got ${chosen}); leave size out, or build the model with inputShape [null, null, channels] to take any size.`,
    );
  }
  return chosen;
}
