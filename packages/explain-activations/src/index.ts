export type { ImageInput, InputOptions } from '@convkit/tensor';
export { type ActivationGrid, type ActivationGridOptions, activationGrid } from './activation-grid';
export {
  type ActivationsOptions,
  activations,
  convAndPoolingLayerNames,
  type LayerActivation,
} from './activations';
export { normalizeChannel } from './channel-image';
export { deprocessImage } from './deprocess';
export { type FilterGrid, type FilterGridOptions, filterGrid, type GridProgress } from './filter-grid';
export {
  type FilterPattern,
  type FilterPatternOptions,
  filterPattern,
  startingNoise,
} from './filter-pattern';
export { type AscentOptions, type AscentResult, type AscentStep, gradientAscent } from './gradient-ascent';
export type { ExplainableModel, LayerLike, Shape } from './model';
export type { ColormapName, EncodedImage } from './render';
