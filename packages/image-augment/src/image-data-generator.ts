import { ConvkitUsageError, createRandom, type PixelImage, type Random } from '@convkit/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { applyTransformTensor } from './apply-transform';
import { ArrayIterator, type FlowOptions } from './array-iterator';
import { fitStatistics } from './fit';
import { type ImageDataGeneratorOptions, type ResolvedOptions, resolveOptions } from './options';
import { type FittedStatistics, standardizeImage } from './standardize';
import { sampleTransform, type TransformParams } from './transform-params';

/** Options of `fit`, as Keras's. */
export interface FitOptions {
  /** Fit on randomly augmented copies (default false). */
  augment?: boolean;
  /** With augment, how many augmented passes over the data (default 1). */
  rounds?: number;
  /** Seed for the augmentation. */
  seed?: number | string;
}

/** Extra settings of the generator itself (not Keras options). */
export interface GeneratorSettings {
  /** Where warnings go (default console.warn). */
  onWarning?: (message: string) => void;
}

/**
 * Keras's ImageDataGenerator: random transforms on 0-255 pixels, then rescale and standardisation,
 * option for option. `flow(x, y)` iterates tensors in memory; in node,
 * `imageDataGenerator` from `@convkit/image-augment/node` adds `flowFromDirectory`.
 */
export class ImageDataGenerator {
  /** The options with Keras's defaults and implications applied. */
  readonly options: Readonly<ResolvedOptions>;
  /** Statistics learned by `fit` (featurewise mean and std, ZCA basis). */
  statistics: FittedStatistics = {};
  /** Reports a warning (Keras prints these). */
  readonly warn: (message: string) => void;
  private readonly warned = new Set<string>();

  constructor(options: ImageDataGeneratorOptions = {}, settings: GeneratorSettings = {}) {
    this.warn = settings.onWarning ?? ((message) => console.warn(`[@convkit/image-augment] ${message}`));
    this.options = Object.freeze(resolveOptions(options, this.warn));
  }

  /**
   * Draws random transform parameters for an image of `shape` [height, width, channels], as Keras's
   * get_random_transform(img_shape, seed). A seed (number or string) makes the draw repeatable; a
   * Random continues that generator's stream.
   */
  randomTransform(shape: readonly number[], seed?: number | string | Random): TransformParams {
    if (shape.length !== 3 || !shape.every((v) => Number.isInteger(v) && v > 0)) {
      throw new ConvkitUsageError(
        `randomTransform expects an image shape [height, width, channels], got [${shape.join(', ')}].`,
      );
    }
    const rng = typeof seed === 'object' ? seed : createRandom(seed);
    return sampleTransform(this.options, shape[0], shape[1], rng);
  }

  /**
   * Applies transform parameters to one [height, width, channels] image of 0-255 values, as Keras's
   * apply_transform (one bilinear affine warp with this generator's fillMode and cval, then channel
   * shift and brightness). Returns a new tensor.
   */
  applyTransform(x: tf.Tensor3D, params: TransformParams): tf.Tensor3D {
    return applyTransformTensor(x, params, this.options);
  }

  /** A random transform of one image (Keras's random_transform): randomTransform then applyTransform. */
  transformImage(x: tf.Tensor3D, seed?: number | string | Random): tf.Tensor3D {
    return this.applyTransform(x, this.randomTransform(x.shape, seed));
  }

  /**
   * Keras's standardize: preprocessingFunction, rescale, samplewise and featurewise centring and
   * normalisation, ZCA whitening, for one image [h, w, c] or each image of a batch [n, h, w, c].
   * With `rescaled: true`, x is already multiplied by rescale (and has had no preprocessingFunction
   * applied, which would come before it), so that step is skipped. Returns a new tensor.
   */
  standardize<T extends tf.Tensor3D | tf.Tensor4D>(
    x: T,
    { rescaled = false }: { rescaled?: boolean } = {},
  ): T {
    const warnOnce = this.warnOnce;
    if (rescaled && this.options.preprocessingFunction) {
      throw new ConvkitUsageError(
        'standardize: rescaled: true cannot be used with a preprocessingFunction, which Keras applies before rescale; pass the 0-255 values instead.',
      );
    }
    const options = rescaled ? { ...this.options, rescale: undefined } : this.options;
    if (x.rank === 3) return standardizeImage(x as tf.Tensor3D, options, this.statistics, warnOnce) as T;
    if (x.rank !== 4) {
      throw new ConvkitUsageError(
        `standardize expects [h, w, c] or [n, h, w, c], got [${x.shape.join(', ')}].`,
      );
    }
    return tf.tidy(() => {
      const images = tf.unstack(x) as tf.Tensor3D[];
      return tf.stack(images.map((img) => standardizeImage(img, options, this.statistics, warnOnce)));
    }) as T;
  }

  /**
   * The whole per-image pipeline of a Keras iterator: random transform (drawn from `rng`) on the
   * 0-255 image, then standardize. Returns a new tensor; `x` is not disposed.
   */
  augment(x: tf.Tensor3D, rng: Random): tf.Tensor3D {
    return tf.tidy(() => this.standardize(this.applyTransform(x, this.randomTransform(x.shape, rng))));
  }

  /**
   * `augment` for 8-bit pixels (what flowFromDirectory decodes), with the same result. When the
   * steps before rescaling are linear in the pixel values (no preprocessingFunction, no brightness
   * change in this draw, rescale > 0), the rescale is folded into the byte-to-float conversion
   * (cval and the channel shift scaled to match): one multiply fewer per value.
   */
  augmentPixels(image: PixelImage, rng: Random): tf.Tensor3D {
    const shape = [image.height, image.width, image.channels] as [number, number, number];
    const params = this.randomTransform(shape, rng);
    const { rescale, preprocessingFunction } = this.options;
    return tf.tidy(() => {
      if (rescale && rescale > 0 && !preprocessingFunction && params.brightness === null) {
        const scaled = new Float32Array(image.data.length);
        const data = image.data;
        for (let i = 0; i < scaled.length; i++) scaled[i] = data[i] * rescale;
        const shift = params.channelShiftIntensity;
        const warped = applyTransformTensor(
          tf.tensor3d(scaled, shape),
          { ...params, channelShiftIntensity: shift === null ? null : shift * rescale },
          { fillMode: this.options.fillMode, cval: this.options.cval * rescale },
        );
        return standardizeImage(
          warped,
          { ...this.options, rescale: undefined },
          this.statistics,
          this.warnOnce,
        );
      }
      // Float32Array's typed-array constructor converts the bytes natively.
      const x = tf.tensor3d(new Float32Array(image.data), shape);
      return this.standardize(this.applyTransform(x, params));
    });
  }

  private readonly warnOnce = (key: string, message: string): void => {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.warn(message);
  };

  /**
   * Learns the featurewise mean/std (and ZCA basis) from sample images [n, h, w, c] of 0-255 values,
   * as Keras's fit: rescale first, optionally augment `rounds` times. Needed only for
   * featurewiseCenter, featurewiseStdNormalization or zcaWhitening. Where the backend reads
   * synchronously (cpu, wasm, webgl) the statistics are learned when fit returns, as in Keras;
   * the webgpu backend in node reads asynchronously: `await generator.fit(x)` there.
   */
  fit(x: tf.Tensor4D, { augment = false, rounds = 1, seed }: FitOptions = {}): Promise<void> {
    if (x.rank !== 4) {
      throw new ConvkitUsageError(
        `fit expects images [n, height, width, channels], got shape [${x.shape.join(', ')}].`,
      );
    }
    if (![1, 3, 4].includes(x.shape[3])) {
      this.warn(`fit: expected 1, 3 or 4 channels on the last axis, got shape [${x.shape.join(', ')}].`);
    }
    if (!(Number.isInteger(rounds) && rounds >= 1)) {
      throw new ConvkitUsageError(`fit: rounds must be a positive integer, got ${rounds}.`);
    }
    const rng = createRandom(seed);
    const data = tf.tidy(() => {
      let v = tf.cast(x, 'float32') as tf.Tensor4D;
      if (this.options.rescale) v = tf.mul(v, this.options.rescale);
      if (!augment) return v;
      const images = tf.unstack(v) as tf.Tensor3D[];
      const out: tf.Tensor3D[] = [];
      for (let r = 0; r < rounds; r++) for (const img of images) out.push(this.transformImage(img, rng));
      return tf.stack(out) as tf.Tensor4D;
    });
    let statistics: FittedStatistics | Promise<FittedStatistics>;
    try {
      statistics = fitStatistics(data, this.options);
    } finally {
      data.dispose();
    }
    if (statistics instanceof Promise) {
      return statistics.then((learned) => {
        this.statistics = learned;
      });
    }
    this.statistics = statistics;
    return Promise.resolve();
  }

  /**
   * Batches from images in memory, as Keras's flow(x, y): x is [n, h, w, c] of 0-255 values,
   * y (optional) has n rows. Endless; yields [x] or [x, y] tensors that the consumer disposes.
   */
  flow(x: tf.Tensor4D, y?: tf.Tensor, options: FlowOptions = {}): ArrayIterator {
    return new ArrayIterator(this, x, y, options);
  }
}

/** Makes a Keras-style ImageDataGenerator (browser-safe; `@convkit/image-augment/node` adds flowFromDirectory). */
export function imageDataGenerator(
  options: ImageDataGeneratorOptions = {},
  settings: GeneratorSettings = {},
): ImageDataGenerator {
  return new ImageDataGenerator(options, settings);
}
