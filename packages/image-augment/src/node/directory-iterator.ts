import { join } from 'node:path';
import { type ColorMode, channelsOf, ImageDecodeError, type Interpolation } from '@convkit/image-io';
import { readImage } from '@convkit/image-io/node';
import { ConvkitUsageError, type PixelImage } from '@convkit/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { type Batch, BatchIterator, type IteratorOptions } from '../batch-iterator';
import type { ImageDataGenerator } from '../image-data-generator';
import { discoverImages } from './discover';
import { AugmentWorkerError, sharedAugmentWorkers } from './worker-pool';

/** A decoded image waiting for its batch: the pixels, the sample index and its position in the epoch. */
interface LoadedSample {
  image: PixelImage;
  index: number;
  position: number;
}

/** A batch whose images worker threads decoded and augmented: float32 values, rescaled when `rescaled`. */
interface AugmentedBatch {
  data: Float32Array;
  /** Sample indices of the images in `data`, in order. */
  indices: number[];
  rescaled: boolean;
}

/** Keras's class_mode, with 'none' for Keras's None. */
export type ClassMode = 'categorical' | 'binary' | 'sparse' | 'input' | 'none';

/** The class modes flowFromDirectory accepts. */
export const CLASS_MODES: readonly ClassMode[] = ['categorical', 'binary', 'sparse', 'input', 'none'];

/** Options of `flowFromDirectory`, Keras's flow_from_directory arguments in camelCase. */
export interface DirectoryFlowOptions extends IteratorOptions {
  /** [height, width] every image is resized to (default [256, 256]). */
  targetSize?: readonly [number, number];
  /** 'rgb' (default), 'grayscale' or 'rgba'. */
  colorMode?: ColorMode;
  /** Class subfolders to use, in index order (default: all subfolders, sorted). */
  classes?: readonly string[];
  /**
   * Labels: 'categorical' (one-hot, default), 'binary' (0/1, needs exactly two classes),
   * 'sparse' (class index), 'input' (y is a copy of x, for autoencoders), 'none' (no y).
   */
  classMode?: ClassMode;
  /** Resize filter (default 'nearest', as Keras). */
  interpolation?: Interpolation;
  /** With the generator's validationSplit: 'validation' takes the first fraction of each class, 'training' the rest. */
  subset?: 'training' | 'validation';
  /** Follow symbolic links to folders inside class folders (default false). */
  followLinks?: boolean;
  /** Fail on a corrupt or truncated image instead of skipping it with a warning (default false). */
  strict?: boolean;
  /** Allowed extensions without the dot (default Keras's png, jpg, jpeg, bmp, ppm, tif, tiff). */
  extensions?: readonly string[];
  /** Where "Found N images belonging to K classes." goes (default console.log; pass () => {} to silence). */
  onInfo?: (message: string) => void;
  /**
   * Worker threads that read, decode and augment the images, so the thread that trains only makes
   * the batch tensors (default 1). The transforms are drawn on the calling thread from the seed, so
   * batches are the same with any number of workers; the warp is plain JavaScript, equal to the
   * cpu backend's tf.image.transform. 0 does it all on the calling thread with the tfjs backend's
   * warp (as in the browser). A preprocessingFunction and featurewise/samplewise/ZCA
   * standardisation always run on the calling thread, on the batch tensors. Each worker makes
   * whole batches and at most `prefetch` are in flight, so for a fast consumer (GPU training)
   * raise both.
   */
  workers?: number;
}

/**
 * Keras's DirectoryIterator: an endless source of [x, y] batches from a folder with one subfolder
 * per class. Images are decoded (sharp) and resized as Keras's load_img, randomly transformed
 * and standardised by the generator. Corrupt or truncated files are skipped with a warning naming
 * them (their batch is that much shorter), or fail the batch in strict mode.
 */
export class DirectoryIterator extends BatchIterator {
  /** The folder. */
  readonly directory: string;
  /** Class names in index order. */
  readonly classNames: readonly string[];
  /** Class name to index (Keras's class_indices). */
  readonly classIndices: Readonly<Record<string, number>>;
  /** Number of classes. */
  readonly numClasses: number;
  /** File paths relative to `directory` (Keras's filenames), in sample order. */
  readonly filenames: readonly string[];
  /** The class index of each sample (Keras's classes / labels). */
  readonly classes: Int32Array;
  /** [height, width, channels] of every yielded image. */
  readonly imageShape: readonly [number, number, number];
  /** The label mode. */
  readonly classMode: ClassMode;
  /** Files that failed to decode (skipped), by path. */
  readonly skipped = new Map<string, string>();
  private readonly generator: ImageDataGenerator;
  private readonly loadOptions: {
    targetSize: [number, number];
    colorMode: ColorMode;
    interpolation: Interpolation;
  };
  private readonly strict: boolean;
  /** Worker threads asked for (0: everything on the calling thread). */
  readonly workers: number;
  private workersFailed = false;

  constructor(generator: ImageDataGenerator, directory: string, options: DirectoryFlowOptions = {}) {
    const {
      targetSize = [256, 256],
      colorMode = 'rgb',
      classMode = 'categorical',
      interpolation = 'nearest',
      subset,
      followLinks = false,
      strict = false,
      onInfo = console.log,
      workers = 1,
    } = options;
    if (!(Number.isInteger(workers) && workers >= 0)) {
      throw new ConvkitUsageError(
        `flowFromDirectory: workers must be an integer >= 0 (0: no worker threads), got ${JSON.stringify(workers)}.`,
      );
    }
    if (
      !Array.isArray(targetSize) ||
      targetSize.length !== 2 ||
      !targetSize.every((v) => Number.isInteger(v) && v > 0)
    ) {
      throw new ConvkitUsageError(
        `flowFromDirectory: targetSize must be [height, width] with two positive integers, got ${JSON.stringify(targetSize)}.`,
      );
    }
    const channels = channelsOf(colorMode);
    if (!CLASS_MODES.includes(classMode)) {
      throw new ConvkitUsageError(
        `flowFromDirectory: classMode must be one of ${CLASS_MODES.join(', ')}, got ${JSON.stringify(classMode)}.`,
      );
    }
    let split: [number, number] | undefined;
    if (subset !== undefined) {
      const v = generator.options.validationSplit;
      if (subset !== 'training' && subset !== 'validation') {
        throw new ConvkitUsageError(
          `flowFromDirectory: subset must be 'training' or 'validation', got ${JSON.stringify(subset)}.`,
        );
      }
      if (!v) {
        throw new ConvkitUsageError(
          `flowFromDirectory: subset '${subset}' needs validationSplit > 0 in the generator's options.`,
        );
      }
      split = subset === 'validation' ? [0, v] : [v, 1];
    }
    const found = discoverImages(directory, {
      classes: options.classes,
      extensions: options.extensions,
      followLinks,
      split,
    });
    if (classMode === 'binary' && found.classNames.length !== 2) {
      throw new ConvkitUsageError(
        `flowFromDirectory: classMode 'binary' needs exactly 2 classes, found ${found.classNames.length} (${found.classNames.join(', ')}) in ${directory}; use 'categorical' or 'sparse'.`,
      );
    }
    super(found.filenames.length, options, 'flowFromDirectory');
    this.directory = directory;
    this.classNames = found.classNames;
    this.classIndices = Object.fromEntries(found.classNames.map((c, i) => [c, i]));
    this.numClasses = found.classNames.length;
    this.filenames = found.filenames;
    this.classes = found.classes;
    this.classMode = classMode;
    this.imageShape = [targetSize[0], targetSize[1], channels];
    this.generator = generator;
    this.loadOptions = { targetSize: [targetSize[0], targetSize[1]], colorMode, interpolation };
    this.strict = strict;
    this.workers = workers;
    onInfo(`Found ${this.samples} images belonging to ${this.numClasses} classes.`);
  }

  /** Absolute (or cwd-relative) paths of the samples (Keras's filepaths). */
  get filepaths(): string[] {
    return this.filenames.map((f) => join(this.directory, f));
  }

  /** The class index of each sample (Keras's labels). */
  get labels(): Int32Array {
    return this.classes;
  }

  protected async prepare(indices: number[], epoch: number, firstPosition: number): Promise<unknown> {
    if (this.workers > 0 && !this.workersFailed) {
      try {
        return await this.prepareOnWorker(indices, epoch, firstPosition);
      } catch (error) {
        if (!(error instanceof AugmentWorkerError)) throw error;
        // Closed on purpose (closeAugmentWorkers): this batch is made here, later ones on new workers.
        if (error.closed) return this.prepareOnThread(indices, epoch, firstPosition);
        // Batches already sent fail alike: warn once.
        if (!this.workersFailed)
          this.generator.warn(
            `flowFromDirectory: ${error.message}; reading and augmenting on the calling thread instead (workers: 0 does so without trying).`,
          );
        this.workersFailed = true;
      }
    }
    return this.prepareOnThread(indices, epoch, firstPosition);
  }

  /** Reads and decodes a batch's files here (sharp's threads); the transforms come in assemble. */
  private async prepareOnThread(
    indices: number[],
    epoch: number,
    firstPosition: number,
  ): Promise<{ kept: LoadedSample[]; epoch: number }> {
    const loaded = await Promise.all(indices.map((i) => this.load(i)));
    const kept: LoadedSample[] = [];
    loaded.forEach((image, k) => {
      if (image) kept.push({ image, index: indices[k], position: firstPosition + k });
    });
    return { kept, epoch };
  }

  /** Reads, decodes, transforms (and rescales) a batch on a worker thread; the transforms are drawn here. */
  private async prepareOnWorker(
    indices: number[],
    epoch: number,
    firstPosition: number,
  ): Promise<AugmentedBatch> {
    const { rescale, preprocessingFunction, fillMode, cval } = this.generator.options;
    // A preprocessingFunction runs on tensors before the rescale, so then the worker leaves 0-255 values.
    const rescaleOnWorker = rescale && !preprocessingFunction ? rescale : null;
    const response = await sharedAugmentWorkers(this.workers).run({
      paths: indices.map((i) => join(this.directory, this.filenames[i])),
      params: indices.map((_, k) =>
        this.generator.randomTransform(this.imageShape, this.sampleRandom(epoch, firstPosition + k)),
      ),
      load: this.loadOptions,
      fillMode,
      cval,
      rescale: rescaleOnWorker,
    });
    for (const { index, reason } of response.failures ?? []) {
      const path = join(this.directory, this.filenames[indices[index]]);
      this.skip(path, new ImageDecodeError(path, reason));
    }
    return {
      data: response.data as Float32Array,
      indices: (response.kept ?? []).map((k) => indices[k]),
      rescaled: rescaleOnWorker !== null,
    };
  }

  protected assemble(prepared: unknown): Batch | undefined {
    if ((prepared as AugmentedBatch).data) return this.assembleAugmented(prepared as AugmentedBatch);
    const { kept, epoch } = prepared as { kept: LoadedSample[]; epoch: number };
    if (kept.length === 0) return undefined;
    return tf.tidy(() => {
      const xs = kept.map(({ image, position }) =>
        this.generator.augmentPixels(image, this.sampleRandom(epoch, position)),
      );
      return this.withLabels(
        tf.stack(xs),
        kept.map((k) => k.index),
      );
    }) as Batch;
  }

  /** Tensors from a worker's batch, with the standardisation steps that must run on tensors. */
  private assembleAugmented({ data, indices, rescaled }: AugmentedBatch): Batch | undefined {
    if (indices.length === 0) return undefined;
    const o = this.generator.options;
    const moreSteps =
      !rescaled ||
      o.samplewiseCenter ||
      o.samplewiseStdNormalization ||
      o.featurewiseCenter ||
      o.featurewiseStdNormalization ||
      o.zcaWhitening;
    return tf.tidy(() => {
      let x: tf.Tensor4D = tf.tensor4d(data, [indices.length, ...this.imageShape]);
      if (moreSteps) x = this.generator.standardize(x, { rescaled });
      return this.withLabels(x, indices);
    }) as Batch;
  }

  /** [x, y] with the labels of `indices` for the class mode. */
  private withLabels(x: tf.Tensor, indices: number[]): tf.Tensor[] {
    const out: tf.Tensor[] = [x];
    const labels = indices.map((i) => this.classes[i]);
    if (this.classMode === 'categorical') {
      out.push(tf.cast(tf.oneHot(tf.tensor1d(labels, 'int32'), this.numClasses), 'float32'));
    } else if (this.classMode === 'binary' || this.classMode === 'sparse') {
      out.push(tf.tensor1d(labels, 'float32'));
    } else if (this.classMode === 'input') out.push(tf.clone(x));
    return out;
  }

  /** A file that failed to decode: an error in strict mode, else skipped with one warning. */
  private skip(path: string, error: ImageDecodeError): void {
    if (this.strict) throw error;
    if (!this.skipped.has(path)) {
      this.skipped.set(path, error.reason);
      this.generator.warn(`Skipping ${path}: ${error.reason}. (Pass strict: true to fail instead.)`);
    }
  }

  private async load(index: number): Promise<PixelImage | undefined> {
    const path = join(this.directory, this.filenames[index]);
    try {
      return await readImage(path, this.loadOptions);
    } catch (error) {
      if (!(error instanceof ImageDecodeError)) throw error;
      this.skip(path, error);
      return undefined;
    }
  }
}
