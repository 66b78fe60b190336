/**
 * @convkit/image-augment: Keras's ImageDataGenerator for TensorFlow.js (browser-safe entry).
 * `@convkit/image-augment/node` adds flowFromDirectory and file helpers.
 */

export { type Matrix3, transformMatrix } from './affine';
export type { WarpOptions } from './apply-transform';
export { ArrayIterator, type FlowOptions } from './array-iterator';
export { type Batch, BatchIterator, type IteratorOptions } from './batch-iterator';
export { CHAPTER_AUGMENTATION } from './chapter-augmentation';
export { augmentedGrid, type GridOptions } from './grid';
export {
  type FitOptions,
  type GeneratorSettings,
  ImageDataGenerator,
  imageDataGenerator,
} from './image-data-generator';
export {
  FILL_MODES,
  type FillMode,
  type ImageDataGeneratorOptions,
  type ResolvedOptions,
  type ShiftRange,
} from './options';
export type { FittedStatistics } from './standardize';
export { IDENTITY_TRANSFORM, type TransformParams } from './transform-params';
export { type PixelWarpOptions, transformPixels } from './warp-pixels';
