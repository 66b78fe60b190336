// Node-only save/load and readers (the layers I/O engineer's modules), re-exported by src/node.ts.

export { openH5File, readKerasWeightsFile } from './h5-node';
export {
  DEFAULT_FASHION_MNIST_DIR,
  type FashionMnist,
  type IdxSplit,
  loadFashionMnist,
  readIdxFile,
} from './idx-node';
