/**
 * @convkit/pretrained-vgg16: Keras's VGG16 (architecture, layer names and ImageNet weights) on
 * @convkit/layers, with ImageNet's preprocessing and class names. Browser-safe; the Keras cache,
 * downloads and file paths are in `@convkit/pretrained-vgg16/node`.
 */
export {
  buildVgg16,
  VGG16_BLOCKS,
  VGG16_CONV_LAYERS,
  VGG16_TOP_LAYERS,
  type Vgg16ArchitectureOptions,
} from './architecture';
export {
  type ClassIndex,
  type DecodeOptions,
  decodePredictions,
  type Prediction,
} from './decode-predictions';
export { disposeModel } from './dispose';
export { type ExtractedFeatures, type ExtractFeaturesOptions, extractFeatures } from './extract-features';
export {
  type FineTuneOptions,
  type FineTunePhase,
  type FineTuneResult,
  fineTune,
  setTrainableFrom,
} from './fine-tune';
export { IMAGENET_CLASS_INDEX } from './imagenet-class-index';
export { type LoadReport, loadKerasWeightsInto } from './load-weights';
export { IMAGENET_BGR_MEAN, preprocessInput } from './preprocess';
export { loadTfjsArtifactsInto } from './tfjs-weights';
export {
  checkImagenetOptions,
  loadConverted,
  type Vgg16Options,
  type Vgg16WeightsSource,
  vgg16,
} from './vgg16';
export {
  type KerasWeightsFile,
  VGG16_WEIGHTS_NOTOP,
  VGG16_WEIGHTS_TOP,
  vgg16WeightsFile,
} from './weight-files';
