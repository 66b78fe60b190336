import { CHAPTER_AUGMENTATION, type ImageDataGeneratorOptions } from '@convkit/image-augment';
import type { Command } from 'commander';
import { numberIn } from './context';
import { CliUsageError } from './errors';

/** Raw values of the augmentation flags. */
export interface AugmentFlags {
  rotationRange?: string;
  widthShiftRange?: string;
  heightShiftRange?: string;
  shearRange?: string;
  zoomRange?: string;
  horizontalFlip?: boolean;
  fillMode?: string;
}

/** Adds the augmentation flags (each defaults to the chapter's value). */
export function addAugmentOptions(command: Command): Command {
  return command
    .option('--rotation-range <deg>', 'random rotations up to this many degrees (chapter: 40)')
    .option('--width-shift-range <f>', 'random horizontal shifts, fraction of the width (chapter: 0.2)')
    .option('--height-shift-range <f>', 'random vertical shifts, fraction of the height (chapter: 0.2)')
    .option('--shear-range <deg>', 'random shear angle in degrees (chapter: 0.2)')
    .option('--zoom-range <f>', 'random zoom in [1-f, 1+f] (chapter: 0.2)')
    .option('--no-horizontal-flip', 'do not flip images horizontally at random')
    .option('--fill-mode <mode>', 'how new pixels are filled: nearest (chapter), constant, reflect, wrap');
}

/** The generator options from the flags, starting from the chapter's augmentation (what `--augment` and augment-preview use by default). */
export function augmentationFrom(flags: AugmentFlags): ImageDataGeneratorOptions {
  const c = CHAPTER_AUGMENTATION;
  const fillMode = flags.fillMode ?? c.fillMode;
  if (!['nearest', 'constant', 'reflect', 'wrap'].includes(String(fillMode))) {
    throw new CliUsageError(`--fill-mode must be nearest, constant, reflect or wrap, got '${fillMode}'.`);
  }
  return {
    rotationRange: numberIn('--rotation-range', flags.rotationRange, c.rotationRange as number, 0, 360),
    widthShiftRange: numberIn(
      '--width-shift-range',
      flags.widthShiftRange,
      c.widthShiftRange as number,
      0,
      1,
    ),
    heightShiftRange: numberIn(
      '--height-shift-range',
      flags.heightShiftRange,
      c.heightShiftRange as number,
      0,
      1,
    ),
    shearRange: numberIn('--shear-range', flags.shearRange, c.shearRange as number, 0, 90),
    zoomRange: numberIn('--zoom-range', flags.zoomRange, c.zoomRange as number, 0, 1),
    horizontalFlip: flags.horizontalFlip ?? true,
    fillMode: fillMode as ImageDataGeneratorOptions['fillMode'],
  };
}
