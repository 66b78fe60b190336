import { ConvkitUsageError } from '@convkit/tensor';
import type * as tf from '@tensorflow/tfjs-core';

/** How points outside the image are filled (Keras's `fill_mode`). */
export type FillMode = 'constant' | 'nearest' | 'reflect' | 'wrap';

/** The fill modes, in Keras's order. */
export const FILL_MODES: readonly FillMode[] = ['constant', 'nearest', 'reflect', 'wrap'];

/**
 * A shift range as Keras takes it: a number below 1 is a fraction of the image size (drawn
 * uniformly from (-r, r) times the size); a whole number of 1 or more is an integer count of pixels
 * (Keras's int: a value from 0..r-1 with a random sign); any other number of 1 or more is pixels
 * drawn uniformly from (-r, r); a list picks one of its values with a random sign (fractions of
 * the size when every value is below 1).
 */
export type ShiftRange = number | readonly number[];

/** Options of `imageDataGenerator`, Keras's ImageDataGenerator arguments in camelCase. */
export interface ImageDataGeneratorOptions {
  /** Subtract the data set's per-channel mean (learned by `fit`). */
  featurewiseCenter?: boolean;
  /** Subtract each image's own mean. */
  samplewiseCenter?: boolean;
  /** Divide by the data set's per-channel standard deviation (learned by `fit`); implies featurewiseCenter. */
  featurewiseStdNormalization?: boolean;
  /** Divide each image by its own standard deviation; implies samplewiseCenter. */
  samplewiseStdNormalization?: boolean;
  /** ZCA whitening (learned by `fit`); implies featurewiseCenter and turns off featurewiseStdNormalization. */
  zcaWhitening?: boolean;
  /** Epsilon for ZCA whitening (default 1e-6). */
  zcaEpsilon?: number;
  /** Rotation range in degrees: a rotation drawn from (-r, r). */
  rotationRange?: number;
  /** Horizontal shift (see ShiftRange). */
  widthShiftRange?: ShiftRange;
  /** Vertical shift (see ShiftRange). */
  heightShiftRange?: ShiftRange;
  /** [low, high] brightness factor range (1 keeps the image as it is). */
  brightnessRange?: readonly [number, number];
  /** Shear angle range in degrees, counter-clockwise: drawn from (-r, r). */
  shearRange?: number;
  /** Zoom range: a number z means [1 - z, 1 + z]; or [low, high]. x and y are drawn independently. */
  zoomRange?: number | readonly [number, number];
  /** Channel shift range: one value drawn from (-r, r) added to every channel, clipped to the image's min and max. */
  channelShiftRange?: number;
  /** How points outside the image are filled (default 'nearest'). */
  fillMode?: FillMode;
  /** The value for fillMode 'constant' (default 0). */
  cval?: number;
  /** Randomly flip images left-right. */
  horizontalFlip?: boolean;
  /** Randomly flip images upside down. */
  verticalFlip?: boolean;
  /** Multiply the (augmented) pixels by this factor, e.g. 1/255. 0 or undefined: no rescaling. */
  rescale?: number;
  /**
   * A function applied to each image after augmentation, before rescaling: takes a
   * [height, width, channels] tensor, returns one of the same shape. It runs inside tf.tidy.
   */
  preprocessingFunction?: (x: tf.Tensor3D) => tf.Tensor3D;
  /** Fraction of images reserved for validation (strictly between 0 and 1), used with `subset`. */
  validationSplit?: number;
}

/** Options after validation, with Keras's defaults and implications applied. */
export interface ResolvedOptions {
  featurewiseCenter: boolean;
  samplewiseCenter: boolean;
  featurewiseStdNormalization: boolean;
  samplewiseStdNormalization: boolean;
  zcaWhitening: boolean;
  zcaEpsilon: number;
  rotationRange: number;
  widthShiftRange: ShiftRange;
  heightShiftRange: ShiftRange;
  brightnessRange: readonly [number, number] | undefined;
  shearRange: number;
  zoomRange: readonly [number, number];
  channelShiftRange: number;
  fillMode: FillMode;
  cval: number;
  horizontalFlip: boolean;
  verticalFlip: boolean;
  rescale: number | undefined;
  preprocessingFunction: ((x: tf.Tensor3D) => tf.Tensor3D) | undefined;
  validationSplit: number;
}

const KNOWN = new Set([
  'featurewiseCenter',
  'samplewiseCenter',
  'featurewiseStdNormalization',
  'samplewiseStdNormalization',
  'zcaWhitening',
  'zcaEpsilon',
  'rotationRange',
  'widthShiftRange',
  'heightShiftRange',
  'brightnessRange',
  'shearRange',
  'zoomRange',
  'channelShiftRange',
  'fillMode',
  'cval',
  'horizontalFlip',
  'verticalFlip',
  'rescale',
  'preprocessingFunction',
  'validationSplit',
]);

/**
 * Validates ImageDataGenerator options and applies Keras's defaults and implications
 * (featurewiseStdNormalization implies featurewiseCenter, and so on). `warn` receives the
 * notes Keras prints as warnings.
 */
export function resolveOptions(
  options: ImageDataGeneratorOptions,
  warn: (message: string) => void,
): ResolvedOptions {
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key)) {
      const snake = key.includes('_') ? ` (options are camelCase: ${camel(key)})` : '';
      throw new ConvkitUsageError(
        `imageDataGenerator: unknown option '${key}'${snake}. Known: ${[...KNOWN].join(', ')}.`,
      );
    }
  }
  const o = options;
  const nonNegative = (name: keyof ImageDataGeneratorOptions, value: number | undefined) => {
    if (value === undefined) return 0;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new ConvkitUsageError(
        `imageDataGenerator: ${name} must be a number >= 0, got ${JSON.stringify(value)}.`,
      );
    }
    return value;
  };
  const fillMode = o.fillMode ?? 'nearest';
  if (!FILL_MODES.includes(fillMode)) {
    throw new ConvkitUsageError(
      `imageDataGenerator: fillMode must be one of ${FILL_MODES.join(', ')}, got ${JSON.stringify(fillMode)}.`,
    );
  }
  const validationSplit = o.validationSplit ?? 0;
  if (validationSplit && !(validationSplit > 0 && validationSplit < 1)) {
    throw new ConvkitUsageError(
      `imageDataGenerator: validationSplit must be strictly between 0 and 1, got ${validationSplit}.`,
    );
  }
  let zoomRange: readonly [number, number];
  if (o.zoomRange === undefined || typeof o.zoomRange === 'number') {
    const z = nonNegative('zoomRange', o.zoomRange);
    zoomRange = [1 - z, 1 + z];
  } else if (Array.isArray(o.zoomRange) && o.zoomRange.length === 2 && o.zoomRange.every(Number.isFinite)) {
    zoomRange = [o.zoomRange[0], o.zoomRange[1]];
  } else {
    throw new ConvkitUsageError(
      `imageDataGenerator: zoomRange must be a number or [low, high], got ${JSON.stringify(o.zoomRange)}.`,
    );
  }
  if (zoomRange[0] <= 0 || zoomRange[1] <= 0) {
    throw new ConvkitUsageError(
      `imageDataGenerator: zoomRange must stay above 0 (a zoom of 0 collapses the image), got [${zoomRange.join(', ')}].`,
    );
  }
  if (o.brightnessRange !== undefined) {
    const b = o.brightnessRange;
    if (!(Array.isArray(b) && b.length === 2 && b.every(Number.isFinite))) {
      throw new ConvkitUsageError(
        `imageDataGenerator: brightnessRange must be [low, high], got ${JSON.stringify(b)}.`,
      );
    }
  }
  checkShift('widthShiftRange', o.widthShiftRange);
  checkShift('heightShiftRange', o.heightShiftRange);
  if (o.rescale !== undefined && !Number.isFinite(o.rescale)) {
    throw new ConvkitUsageError(`imageDataGenerator: rescale must be a finite number, got ${o.rescale}.`);
  }
  if (o.cval !== undefined && !Number.isFinite(o.cval)) {
    throw new ConvkitUsageError(`imageDataGenerator: cval must be a finite number, got ${o.cval}.`);
  }
  if (o.preprocessingFunction !== undefined && typeof o.preprocessingFunction !== 'function') {
    throw new ConvkitUsageError(
      'imageDataGenerator: preprocessingFunction must be a function (x: Tensor3D) => Tensor3D.',
    );
  }
  const resolved: ResolvedOptions = {
    featurewiseCenter: o.featurewiseCenter ?? false,
    samplewiseCenter: o.samplewiseCenter ?? false,
    featurewiseStdNormalization: o.featurewiseStdNormalization ?? false,
    samplewiseStdNormalization: o.samplewiseStdNormalization ?? false,
    zcaWhitening: o.zcaWhitening ?? false,
    zcaEpsilon: o.zcaEpsilon ?? 1e-6,
    rotationRange: nonNegative('rotationRange', o.rotationRange),
    widthShiftRange: o.widthShiftRange ?? 0,
    heightShiftRange: o.heightShiftRange ?? 0,
    brightnessRange: o.brightnessRange,
    shearRange: nonNegative('shearRange', o.shearRange),
    zoomRange,
    channelShiftRange: nonNegative('channelShiftRange', o.channelShiftRange),
    fillMode,
    cval: o.cval ?? 0,
    horizontalFlip: o.horizontalFlip ?? false,
    verticalFlip: o.verticalFlip ?? false,
    rescale: o.rescale || undefined,
    preprocessingFunction: o.preprocessingFunction,
    validationSplit,
  };
  if (resolved.zcaWhitening) {
    if (!resolved.featurewiseCenter) {
      resolved.featurewiseCenter = true;
      warn('zcaWhitening overrides featurewiseCenter: it is set to true.');
    }
    if (resolved.featurewiseStdNormalization) {
      resolved.featurewiseStdNormalization = false;
      warn('zcaWhitening overrides featurewiseStdNormalization: it is set to false.');
    }
  }
  if (resolved.featurewiseStdNormalization && !resolved.featurewiseCenter) {
    resolved.featurewiseCenter = true;
    warn('featurewiseStdNormalization overrides featurewiseCenter: it is set to true.');
  }
  if (resolved.samplewiseStdNormalization && !resolved.samplewiseCenter) {
    resolved.samplewiseCenter = true;
    warn('samplewiseStdNormalization overrides samplewiseCenter: it is set to true.');
  }
  return resolved;
}

function checkShift(name: string, range: ShiftRange | undefined): void {
  if (range === undefined) return;
  const values = typeof range === 'number' ? [range] : range;
  const ok =
    (typeof range === 'number' || (Array.isArray(range) && range.length > 0)) &&
    values.every((v) => typeof v === 'number' && Number.isFinite(v) && v >= 0);
  if (!ok) {
    throw new ConvkitUsageError(
      `imageDataGenerator: ${name} must be a number >= 0 or a non-empty list of numbers >= 0, got ${JSON.stringify(range)}.`,
    );
  }
}

function camel(snake: string): string {
  return snake.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}
