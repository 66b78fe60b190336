// Browser-safe save/load and readers (the layers I/O engineer's modules).

export {
  type ArtifactsOptions,
  LAYERS_MODEL_FORMAT,
  modelFromArtifacts,
  modelToArtifacts,
} from './artifacts';
export { ModelFormatError } from './errors';
export { float16BitsToFloat32, float32ToFloat16Bits } from './float16';
export { type H5AttributeValue, H5Dataset, H5File, H5Group, isHdf5, openH5, withH5 } from './h5';
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
export { type ApplyKerasWeightsOptions, applyKerasWeights } from './keras-apply';
export { type KerasModelInfo, kerasModelFromH5, loadKerasModel } from './keras-model';
export {
  type KerasLayerWeights,
  type KerasWeight,
  kerasWeightsGroup,
  readKerasWeights,
} from './keras-weights';
export {
  checkpointSaver,
  type LoadSource,
  loadModel,
  type SaveDestination,
  type SaveModelOptions,
  saveModel,
} from './save-load';
