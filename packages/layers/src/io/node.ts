// Node-only save/load and readers (the layers I/O engineer's modules), re-exported by src/node.ts.

export { DEFAULT_SHARD_SIZE_BYTES, type FolderHandlerOptions, folderHandler } from './folder-handler';
export { openH5File, readKerasWeightsFile } from './h5-node';
export {
  DEFAULT_FASHION_MNIST_DIR,
  type FashionMnist,
  type IdxSplit,
  loadFashionMnist,
  readIdxFile,
} from './idx-node';
export { loadKerasModel } from './keras-model-node';
export { checkpointSaver, enableFolderIO, loadModel, saveModel } from './save-load-node';
