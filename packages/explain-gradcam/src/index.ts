export type { ImageInput, InputOptions } from '@convkit/tensor';
export { type GradCamOptions, type GradCamResult, gradCam, type Heatmap } from './grad-cam';
export { gradCamFromFeatures } from './heatmap-math';
export { type GradCamModel, type LayerLike, lastConvLayer, type Shape } from './model';
export { heatmapImage, type Overlay, type OverlayOptions, overlay } from './overlay';
export { resizeHeatmap } from './resize-heatmap';
export { scoreFunction } from './score';
