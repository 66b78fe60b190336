import { usageError } from '../core/errors';
import type { Layer } from '../core/layer';
import { conv2d } from '../layers/conv2d';
import { dense } from '../layers/dense';
import { dropout } from '../layers/dropout';
import { flatten } from '../layers/flatten';
import { maxPooling2d } from '../layers/max-pooling2d';
import { type Sequential, sequential } from './sequential';

/** The convnets of Deep Learning with Python's chapter 5, by name. */
export const CHAPTER_CONVNETS = ['mnist', 'cats-dogs'] as const;

/** A chapter convnet's name. */
export type ChapterConvnetName = (typeof CHAPTER_CONVNETS)[number];

/** What a chapter convnet is built for. */
export interface ChapterConvnetOptions {
  /** [height, width, channels] of the input images (default 28x28x1 for mnist, 150x150x3 for cats-dogs). */
  inputShape?: [number, number, number];
  /** Number of classes: 2 gives one sigmoid unit, more a softmax (default 10 for mnist, 2 for cats-dogs). */
  classes?: number;
  /** Dropout rate before the first Dense layer (default 0; the chapter's augmented cats-dogs run uses 0.5). */
  dropout?: number;
  /** Multiplies every layer's filters and units, each at least 1 (default 1: the chapter's sizes). */
  width?: number;
}

/** Conv2D filters of each net; every conv is 3x3 relu, mnist's last without pooling after it. */
const FILTERS: Record<ChapterConvnetName, number[]> = {
  mnist: [32, 64, 64],
  'cats-dogs': [32, 64, 128, 128],
};
/** Units of each net's hidden Dense layer. */
const HIDDEN_UNITS: Record<ChapterConvnetName, number> = { mnist: 64, 'cats-dogs': 512 };
const DEFAULTS: Record<ChapterConvnetName, { inputShape: [number, number, number]; classes: number }> = {
  mnist: { inputShape: [28, 28, 1], classes: 10 },
  'cats-dogs': { inputShape: [150, 150, 3], classes: 2 },
};

/** Whether a conv (3x3, valid) is followed by 2x2 max-pooling: all but mnist's last. */
const pooledAfter = (name: ChapterConvnetName, conv: number) =>
  name === 'cats-dogs' || conv < FILTERS[name].length - 1;

/** The smallest height (and width) of an input the net takes: each conv takes 2 pixels, each pooling halves. */
export function chapterConvnetMinInput(name: ChapterConvnetName): number {
  const outputSize = (size: number) =>
    FILTERS[name].reduce((s, _, conv) => {
      const convolved = s - 2;
      return pooledAfter(name, conv) ? Math.floor(convolved / 2) : convolved;
    }, size);
  let size = 3;
  while (outputSize(size) < 1) size++;
  return size;
}

/**
 * One of the chapter's convnets, uncompiled:
 * - `mnist` (section 5.1): Conv2D 32, 64, 64 (3x3, relu) with 2x2 max-pooling after the first
 *   two, Flatten, Dense 64 (relu), softmax output; 93,322 parameters on 28x28x1 with 10 classes.
 * - `cats-dogs` (section 5.2): Conv2D 32, 64, 128, 128 (3x3, relu) each followed by 2x2
 *   max-pooling, Flatten, Dense 512 (relu), one sigmoid unit; 3,453,121 parameters on 150x150x3.
 * Either with dropout before the hidden Dense layer where `dropout` > 0.
 */
export function chapterConvnet(name: ChapterConvnetName, options: ChapterConvnetOptions = {}): Sequential {
  if (!(CHAPTER_CONVNETS as readonly string[]).includes(name)) {
    usageError(`chapterConvnet: unknown net '${name}'; the chapter's are ${CHAPTER_CONVNETS.join(', ')}.`);
  }
  const { inputShape = DEFAULTS[name].inputShape, classes = DEFAULTS[name].classes } = options;
  const { dropout: rate = 0, width = 1 } = options;
  const min = chapterConvnetMinInput(name);
  if (inputShape[0] < min || inputShape[1] < min) {
    usageError(
      `chapterConvnet('${name}') needs inputs of at least ${min}x${min} pixels; got ${inputShape[0]}x${inputShape[1]}.`,
    );
  }
  if (!Number.isInteger(classes) || classes < 2) {
    usageError(`chapterConvnet('${name}'): classes must be an integer of at least 2; got ${classes}.`);
  }
  const scaled = (n: number) => Math.max(1, Math.round(n * width));
  const layers: Layer[] = FILTERS[name].flatMap((filters, conv) => [
    conv2d({
      filters: scaled(filters),
      kernelSize: 3,
      activation: 'relu',
      ...(conv === 0 ? { inputShape } : {}),
    }),
    ...(pooledAfter(name, conv) ? [maxPooling2d({ poolSize: 2 })] : []),
  ]);
  layers.push(flatten());
  if (rate > 0) layers.push(dropout({ rate }));
  layers.push(dense({ units: scaled(HIDDEN_UNITS[name]), activation: 'relu' }));
  // Made last, after the other layers, so that the names run in order (dense, dense_1) as in Keras.
  layers.push(
    classes === 2
      ? dense({ units: 1, activation: 'sigmoid' })
      : dense({ units: classes, activation: 'softmax' }),
  );
  return sequential(layers);
}
