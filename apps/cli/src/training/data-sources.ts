import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { type ImageDataGeneratorOptions, imageDataGenerator } from '@convkit/image-augment/node';
import type { BatchSource } from '@convkit/layers';
import { loadFashionMnist } from '@convkit/layers/node';
import * as tf from '@tensorflow/tfjs-core';
import { CliUsageError } from '../errors';

/** The four IDX files of an MNIST-style data set (each may be gzipped). */
export const IDX_FILES = [
  'train-images-idx3-ubyte',
  'train-labels-idx1-ubyte',
  't10k-images-idx3-ubyte',
  't10k-labels-idx1-ubyte',
];

/** True when `dir` holds the MNIST/Fashion-MNIST IDX files. */
export function isIdxFolder(dir: string): boolean {
  return IDX_FILES.every((f) => existsSync(join(dir, f)) || existsSync(join(dir, `${f}.gz`)));
}

function subfolders(dir: string): string[] {
  return readdirSync(dir)
    .filter((n) => !n.startsWith('.') && statSync(join(dir, n)).isDirectory())
    .sort();
}

/** How a folder of images is laid out for training. */
export interface ImageFolders {
  /** Class subfolders for training. */
  train: string;
  /** Class subfolders for validation, when the folder has a validation/ split. */
  validation?: string;
  /** Class subfolders for testing, when there is a test/ split. */
  test?: string;
  /** Class names (sorted subfolder names, as Keras). */
  classes: string[];
}

/**
 * Finds the training folders: DIR/train (+ DIR/validation, DIR/test) as `convkit split` makes
 * them, or DIR itself with one subfolder per class. Errors name the folder and what was expected.
 */
export function findImageFolders(dir: string): ImageFolders {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new CliUsageError(`Data folder ${dir} does not exist.`);
  }
  const subs = subfolders(dir);
  if (subs.includes('train')) {
    const classes = subfolders(join(dir, 'train'));
    if (classes.length < 2) {
      throw new CliUsageError(
        `${join(dir, 'train')} must hold one subfolder per class (at least 2); found ${classes.length}.`,
      );
    }
    return {
      train: join(dir, 'train'),
      validation: subs.includes('validation') ? join(dir, 'validation') : undefined,
      test: subs.includes('test') ? join(dir, 'test') : undefined,
      classes,
    };
  }
  if (subs.length < 2) {
    throw new CliUsageError(
      `${dir} has no train/ folder and fewer than 2 class subfolders. Give a folder made by 'convkit split' (train/, validation/, test/) or one with a subfolder per class.`,
    );
  }
  return { train: dir, classes: subs };
}

/** Options for the directory flows. */
export interface FlowSettings {
  targetSize: [number, number];
  grayscale: boolean;
  batchSize: number;
  seed: number;
  /** Random transforms for the training flow (none without). */
  augmentation?: ImageDataGeneratorOptions;
  classes: string[];
}

/** Keras's class_mode for a number of classes: binary for 2, categorical for more. */
export function classModeFor(classes: number): 'binary' | 'categorical' {
  return classes === 2 ? 'binary' : 'categorical';
}

/**
 * flowFromDirectory for a folder of class subfolders, images rescaled by 1/255 (the chapter's
 * generators), with the training transforms only when `training` and augmentation is given.
 */
export function directoryFlow(dir: string, s: FlowSettings, training: boolean): BatchSource {
  const options: ImageDataGeneratorOptions = { rescale: 1 / 255, ...(training ? s.augmentation : {}) };
  return imageDataGenerator(options).flowFromDirectory(dir, {
    targetSize: s.targetSize,
    colorMode: s.grayscale ? 'grayscale' : 'rgb',
    batchSize: s.batchSize,
    classMode: classModeFor(s.classes.length),
    classes: s.classes,
    shuffle: training,
    seed: training ? s.seed : undefined,
    onInfo: () => {},
  });
}

/** An MNIST-style split as tensors: images [n, 28, 28, 1] / 255 and one-hot labels [n, 10]. */
export interface IdxTensors {
  x: tf.Tensor4D;
  y: tf.Tensor2D;
  classes: number;
}

/** Reads the IDX files in `dir`; `limit` keeps the first n training (and test) samples. */
export async function loadIdxTensors(
  dir: string,
  { trainLimit, testLimit }: { trainLimit?: number; testLimit?: number } = {},
): Promise<{ train: IdxTensors; test: IdxTensors }> {
  if (!isIdxFolder(dir)) {
    throw new CliUsageError(
      `${dir} does not hold the MNIST-style IDX files (${IDX_FILES.join(', ')}, optionally .gz). Debian's dataset-fashion-mnist puts them in /usr/share/datasets/fashion-mnist.`,
    );
  }
  const data = await loadFashionMnist(dir);
  const toTensors = (split: typeof data.train, limit?: number): IdxTensors => {
    const [n0, rows, cols] = split.images.shape;
    const n = Math.min(n0, limit ?? n0);
    const labels = Array.from(split.labels.data.subarray(0, n));
    const classes = Math.max(...Array.from(split.labels.data)) + 1;
    return tf.tidy(() => ({
      x: tf.div(
        tf.tensor4d(Float32Array.from(split.images.data.subarray(0, n * rows * cols)), [n, rows, cols, 1]),
        255,
      ) as tf.Tensor4D,
      y: tf.cast(tf.oneHot(tf.tensor1d(labels, 'int32'), classes), 'float32') as tf.Tensor2D,
      classes,
    }));
  };
  return { train: toTensors(data.train, trainLimit), test: toTensors(data.test, testLimit) };
}
