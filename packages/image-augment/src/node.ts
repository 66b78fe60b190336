/**
 * @convkit/image-augment/node: everything from the main entry, plus flowFromDirectory (sharp
 * decoding, Keras's load_img resizing, augmentation on worker threads) and writeAugmentedGrid.
 */
export * from './index';
export {
  CLASS_MODES,
  type ClassMode,
  type DirectoryFlowOptions,
  DirectoryIterator,
} from './node/directory-iterator';
export {
  type DiscoverOptions,
  type Discovery,
  discoverImages,
  KERAS_EXTENSIONS,
  SUPPORTED_EXTENSIONS,
} from './node/discover';
export { imageDataGenerator, NodeImageDataGenerator, writeAugmentedGrid } from './node/node-generator';
export { closeAugmentWorkers } from './node/worker-pool';
