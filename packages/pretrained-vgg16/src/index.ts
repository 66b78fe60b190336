export {
  type ClassIndex,
  type DecodeOptions,
  decodePredictions,
  type Prediction,
} from './decode-predictions';
export { IMAGENET_CLASS_INDEX } from './imagenet-class-index';
export { IMAGENET_BGR_MEAN, preprocessInput } from './preprocess';
export {
  type KerasWeightsFile,
  VGG16_WEIGHTS_NOTOP,
  VGG16_WEIGHTS_TOP,
  vgg16WeightsFile,
} from './weight-files';
