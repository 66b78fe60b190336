import { conv2d, dense, dropout, flatten, maxPooling2d, type Sequential, sequential } from '@convkit/layers';
import { CliUsageError } from '../errors';

/** The chapter's networks by name. */
export const PRESETS = ['mnist', 'cats-dogs'] as const;

/** A preset's name. */
export type PresetName = (typeof PRESETS)[number];

/** What a preset is built for: input shape, classes, dropout and width. */
export interface PresetOptions {
  /** [height, width, channels] of the input images. */
  inputShape: [number, number, number];
  /** Number of classes (2 gives one sigmoid unit, more a softmax). */
  classes: number;
  /** Dropout rate before the first Dense layer (cats-dogs; 0 for none, the chapter uses 0.5). */
  dropout?: number;
  /** Multiplies every layer's filters and units (1 = the chapter's sizes). */
  width?: number;
}

/** The loss Keras's chapter pairs with a preset's output: binary or categorical cross-entropy. */
export function presetLoss(classes: number): 'binary_crossentropy' | 'categorical_crossentropy' {
  return classes === 2 ? 'binary_crossentropy' : 'categorical_crossentropy';
}

/** Checks a preset name, listing the valid ones when it is not one. */
export function checkPreset(name: string): PresetName {
  if (!(PRESETS as readonly string[]).includes(name)) {
    throw new CliUsageError(
      `Unknown model preset '${name}'. Valid presets: ${PRESETS.join(', ')} (or a path to a model.json).`,
    );
  }
  return name as PresetName;
}

/**
 * Builds one of the chapter's networks:
 * - `mnist` (section 5.1): Conv2D 32, 64, 64 (3x3, relu) with two 2x2 max-poolings, Dense 64,
 *   softmax output; 93,322 parameters on 28x28x1 with 10 classes.
 * - `cats-dogs` (section 5.2): Conv2D 32, 64, 128, 128 each with 2x2 max-pooling, Flatten,
 *   optional Dropout, Dense 512, one sigmoid unit; 3,453,121 parameters on 150x150x3.
 */
export function buildPreset(name: PresetName, options: PresetOptions): Sequential {
  const { inputShape, classes, dropout: rate = 0, width = 1 } = options;
  const w = (n: number) => Math.max(1, Math.round(n * width));
  // Made last, after the other layers, so the names run in order (dense, dense_1) as in Keras.
  const output = () =>
    classes === 2
      ? dense({ units: 1, activation: 'sigmoid' })
      : dense({ units: classes, activation: 'softmax' });
  if (name === 'mnist') {
    checkFits(inputShape, 2, 'mnist');
    return sequential([
      conv2d({ filters: w(32), kernelSize: 3, activation: 'relu', inputShape }),
      maxPooling2d({ poolSize: 2 }),
      conv2d({ filters: w(64), kernelSize: 3, activation: 'relu' }),
      maxPooling2d({ poolSize: 2 }),
      conv2d({ filters: w(64), kernelSize: 3, activation: 'relu' }),
      flatten(),
      ...(rate > 0 ? [dropout({ rate })] : []),
      dense({ units: w(64), activation: 'relu' }),
      output(),
    ]);
  }
  checkFits(inputShape, 4, 'cats-dogs');
  return sequential([
    conv2d({ filters: w(32), kernelSize: 3, activation: 'relu', inputShape }),
    maxPooling2d({ poolSize: 2 }),
    conv2d({ filters: w(64), kernelSize: 3, activation: 'relu' }),
    maxPooling2d({ poolSize: 2 }),
    conv2d({ filters: w(128), kernelSize: 3, activation: 'relu' }),
    maxPooling2d({ poolSize: 2 }),
    conv2d({ filters: w(128), kernelSize: 3, activation: 'relu' }),
    maxPooling2d({ poolSize: 2 }),
    flatten(),
    ...(rate > 0 ? [dropout({ rate })] : []),
    dense({ units: w(512), activation: 'relu' }),
    output(),
  ]);
}

/** The smallest square input a stack of `blocks` conv(3x3)+pool(2x2) stages can take. */
function minInput(blocks: number): number {
  let size = 1;
  for (let i = 0; i < blocks; i++) size = size * 2 + 2;
  return size;
}

function checkFits(shape: [number, number, number], blocks: number, name: string): void {
  const min = name === 'mnist' ? 18 : minInput(blocks);
  if (shape[0] < min || shape[1] < min) {
    throw new CliUsageError(
      `The '${name}' preset needs images of at least ${min}x${min} pixels, got ${shape[0]}x${shape[1]}; pass a larger --target-size.`,
    );
  }
}
