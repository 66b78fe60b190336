import type { Random } from '@convkit/tensor';
import type { ResolvedOptions, ShiftRange } from './options';

/**
 * One random transform, as Keras's `get_random_transform` returns it (camelCase). Coordinates are
 * (x, y): x runs left to right along a row, y top to bottom.
 */
export interface TransformParams {
  /** Rotation in degrees (counter-clockwise on screen for a positive angle, as Keras). */
  theta: number;
  /** Horizontal shift in pixels (from widthShiftRange). */
  tx: number;
  /** Vertical shift in pixels (from heightShiftRange). */
  ty: number;
  /** Shear angle in degrees. */
  shear: number;
  /** Zoom along x, as Keras: the output samples the input at zx times the distance from the centre, so above 1 the content shrinks, below 1 it is magnified. */
  zx: number;
  /** Zoom along y. */
  zy: number;
  /** Flip left-right (after the affine warp). */
  flipHorizontal: boolean;
  /** Flip upside down (after the affine warp). */
  flipVertical: boolean;
  /** Value added to every channel (clipped to the image's range), or null for none. */
  channelShiftIntensity: number | null;
  /** Brightness factor, or null for none. */
  brightness: number | null;
}

/** The identity transform: applying it returns the image unchanged. */
export const IDENTITY_TRANSFORM: Readonly<TransformParams> = Object.freeze({
  theta: 0,
  tx: 0,
  ty: 0,
  shear: 0,
  zx: 1,
  zy: 1,
  flipHorizontal: false,
  flipVertical: false,
  channelShiftIntensity: null,
  brightness: null,
});

/**
 * Draws one transform for an image of `height` x `width` pixels, as Keras's get_random_transform:
 * rotation, vertical shift, horizontal shift, shear, zoom (x and y independently), the two flip
 * coins (always drawn), channel shift, brightness, in that order.
 */
export function sampleTransform(
  options: ResolvedOptions,
  height: number,
  width: number,
  rng: Random,
): TransformParams {
  const theta = options.rotationRange ? rng.uniform(-options.rotationRange, options.rotationRange) : 0;
  const ty = sampleShift(options.heightShiftRange, height, rng);
  const tx = sampleShift(options.widthShiftRange, width, rng);
  const shear = options.shearRange ? rng.uniform(-options.shearRange, options.shearRange) : 0;
  const [lo, hi] = options.zoomRange;
  let zx = 1;
  let zy = 1;
  if (!(lo === 1 && hi === 1)) {
    zx = rng.uniform(lo, hi);
    zy = rng.uniform(lo, hi);
  }
  const flipHorizontal = rng.next() < 0.5 && options.horizontalFlip;
  const flipVertical = rng.next() < 0.5 && options.verticalFlip;
  const channelShiftIntensity =
    options.channelShiftRange !== 0
      ? rng.uniform(-options.channelShiftRange, options.channelShiftRange)
      : null;
  const brightness = options.brightnessRange
    ? rng.uniform(options.brightnessRange[0], options.brightnessRange[1])
    : null;
  return { theta, tx, ty, shear, zx, zy, flipHorizontal, flipVertical, channelShiftIntensity, brightness };
}

/** Keras's shift draw: list -> choice * sign; whole number >= 1 -> int(0..r-1) * sign; else uniform(-r, r); fractions of size when max < 1. */
function sampleShift(range: ShiftRange, size: number, rng: Random): number {
  const values = typeof range === 'number' ? [range] : range;
  if (typeof range === 'number' && range === 0) return 0;
  let shift: number;
  if (typeof range !== 'number') {
    shift = range[rng.int(0, range.length)] * (rng.next() < 0.5 ? -1 : 1);
  } else if (Number.isInteger(range) && range >= 1) {
    shift = rng.int(0, range) * (rng.next() < 0.5 ? -1 : 1);
  } else {
    shift = rng.uniform(-range, range);
  }
  if (Math.max(...values) < 1) shift *= size;
  return shift;
}
