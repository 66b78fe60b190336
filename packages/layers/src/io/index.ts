// Browser-safe save/load and readers (the layers I/O engineer's modules).
export {
  decodeIdx,
  encodeIdx,
  FASHION_MNIST_CLASSES,
  type IdxArray,
  type IdxData,
  type IdxDtype,
  IdxFormatError,
  isGzip,
  parseIdx,
} from './idx';
