import type { ImageDataGeneratorOptions } from './options';

/**
 * The chapter's augmentation (listing 5.11, section 5.2.5): random rotations up to 40 degrees,
 * shifts and zooms of 20%, shear 0.2, horizontal flips, nearest fill. Add `rescale: 1 / 255` for
 * training, as listing 5.14 does.
 */
export const CHAPTER_AUGMENTATION: Readonly<ImageDataGeneratorOptions> = Object.freeze({
  rotationRange: 40,
  widthShiftRange: 0.2,
  heightShiftRange: 0.2,
  shearRange: 0.2,
  zoomRange: 0.2,
  horizontalFlip: true,
  fillMode: 'nearest',
});
