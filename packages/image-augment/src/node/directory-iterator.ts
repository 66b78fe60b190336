import { join } from 'node:path';
import { type ColorMode, channelsOf, ImageDecodeError, type Interpolation } from '@convkit/image-io';
import { readImage } from '@convkit/image-io/node';
import { ConvkitUsageError, type PixelImage } from '@convkit/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { type Batch, BatchIterator, type IteratorOptions } from '../batch-iterator';
import type { ImageDataGenerator } from '../image-data-generator';
import { discoverImages } from './discover';

/** A decoded image waiting for its batch: the pixels, the sample index and its position in the epoch. */
interface LoadedSample {
  image: PixelImage;
  index: number;
  position: number;
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
    } = options;
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
    const loaded = await Promise.all(indices.map((i) => this.load(i)));
    const kept: LoadedSample[] = [];
    loaded.forEach((image, k) => {
      if (image) kept.push({ image, index: indices[k], position: firstPosition + k });
    });
    return { kept, epoch };
  }

  protected assemble(prepared: unknown): Batch | undefined {
    const { kept, epoch } = prepared as { kept: LoadedSample[]; epoch: number };
    if (kept.length === 0) return undefined;
    return tf.tidy(() => {
      const xs = kept.map(({ image, position }) =>
        this.generator.augmentPixels(image, this.sampleRandom(epoch, position)),
      );
      const x = tf.stack(xs);
      const out: tf.Tensor[] = [x];
      const labels = kept.map((k) => this.classes[k.index]);
      if (this.classMode === 'categorical') {
        out.push(tf.cast(tf.oneHot(tf.tensor1d(labels, 'int32'), this.numClasses), 'float32'));
      } else if (this.classMode === 'binary' || this.classMode === 'sparse') {
        out.push(tf.tensor1d(labels, 'float32'));
      } else if (this.classMode === 'input') out.push(tf.clone(x));
      return out;
    }) as Batch;
  }

  private async load(index: number): Promise<PixelImage | undefined> {
    const path = join(this.directory, this.filenames[index]);
    try {
      return await readImage(path, this.loadOptions);
    } catch (error) {
      if (this.strict || !(error instanceof ImageDecodeError)) throw error;
      if (!this.skipped.has(path)) {
        this.skipped.set(path, error.reason);
        this.generator.warn(`Skipping ${path}: ${error.reason}. (Pass strict: true to fail instead.)`);
      }
      return undefined;
    }
  }
}
