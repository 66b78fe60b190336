/**
 * @convkit/layers: Keras's Sequential API on TensorFlow.js core. Browser-safe; node-only
 * helpers (files on disk) are in `@convkit/layers/node`.
 */
export { ACTIVATIONS, type ActivationName } from './core/activations';
export {
  computeFans,
  getInitializer,
  type Initializer,
  type InitializerConfig,
  type InitializerSpec,
  serializeInitializer,
} from './core/initializers';
export { type ApplyOptions, Layer, type LayerArgs, type LayerConfig, LayerWeight } from './core/layer';
export { resetLayerNames } from './core/names';
export { setSeed } from './core/seed';
export { formatShape, type Shape } from './core/shape';
export { ensureGradients } from './gradients/register';
export * from './io/index';
export { Activation, type ActivationArgs, activation } from './layers/activation';
export { Conv2D, type Conv2DArgs, conv2d } from './layers/conv2d';
export { Dense, type DenseArgs, dense } from './layers/dense';
export { Dropout, type DropoutArgs, dropout } from './layers/dropout';
export { Flatten, flatten } from './layers/flatten';
export {
  GlobalAveragePooling2D,
  GlobalMaxPooling2D,
  globalAveragePooling2d,
  globalMaxPooling2d,
} from './layers/global-pooling2d';
export { InputLayer, type InputLayerArgs, inputLayer } from './layers/input-layer';
export {
  AveragePooling2D,
  averagePooling2d,
  MaxPooling2D,
  type MaxPooling2DArgs,
  maxPooling2d,
} from './layers/max-pooling2d';
export {
  CHAPTER_CONVNETS,
  type ChapterConvnetName,
  type ChapterConvnetOptions,
  chapterConvnet,
  chapterConvnetMinInput,
} from './model/chapter-convnets';
export { deserializeLayer, type LayerFactory, registeredLayerClasses, registerLayer } from './model/registry';
export {
  type ForwardOptions,
  type ModelClassName,
  type PredictOptions,
  Sequential,
  type SequentialArgs,
  type SplitModel,
  sequential,
} from './model/sequential';
export { type SummaryOptions, summaryLines } from './model/summary';
export { type BatchSource, isBatchSource } from './training/batch-source';
export {
  type Callback,
  CSVLogger,
  csvLogger,
  EarlyStopping,
  type EarlyStoppingArgs,
  earlyStopping,
  formatCheckpointPath,
  History,
  JSONLinesLogger,
  jsonLinesLogger,
  type LoggerArgs,
  type Logs,
  ModelCheckpoint,
  type ModelCheckpointArgs,
  modelCheckpoint,
  type SaveFunction,
  type TrainingModel,
  type TrainingParams,
} from './training/callbacks';
export type { CompileArgs } from './training/compile';
export { EPSILON, getLoss, type Loss, type LossName } from './training/losses';
export { getMetric, type Metric } from './training/metrics';
export {
  Adam,
  type AdamArgs,
  adam,
  getOptimizer,
  Optimizer,
  type OptimizerSpec,
  RMSprop,
  type RMSpropArgs,
  rmsprop,
  SGD,
  type SGDArgs,
  sgd,
  type WeightGradient,
} from './training/optimizers';
export type { EvaluateArgs, FitArgs } from './training/trainer';
