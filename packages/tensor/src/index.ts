export {
  BACKEND_CHOICES,
  BACKEND_NAMES,
  type BackendChoice,
  type BackendName,
  isBackendChoice,
} from './backend-names';
export { type BackendReport, describeBackends } from './describe-backends';
export { type ElementwiseOptions, elementwise } from './elementwise/elementwise';
export * as ew from './elementwise/expr';
export { BackendUnavailableError, ConvkitUsageError } from './errors';
export { type FusedKernelBackend, fusedKernelBackend } from './gpu-kernels/active-gpu';
export {
  type Conv2dSignature,
  type ConvTileName,
  clearConv2dTuning,
  type WebgpuConvChoice,
} from './gpu-kernels/conv2d-choice';
export { conv2dWithTile, type WebgpuConvAlgorithm } from './gpu-kernels/conv2d-webgpu';
export { secondsPerGpuCall } from './gpu-kernels/gpu-timing';
export { CONV_TILES, type ConvTile } from './gpu-kernels/implicit-gemm-webgpu';
export type { AccuracyMode, CrossentropyMode } from './gpu-kernels/kernel-names';
export { replacedGpuKernels } from './gpu-kernels/register';
export {
  fusedAccuracy,
  fusedAddSums,
  fusedCrossentropy,
  fusedSoftmaxGrad,
} from './gpu-kernels/training';
export {
  type Conv2dTiming,
  type Conv2dTuning,
  type TuneConv2dOptions,
  tuneWebgpuConv2d,
  useConv2dTunings,
} from './gpu-kernels/tune-conv2d-webgpu';
export { convkitWebglKernelsActive } from './gpu-kernels/webgl-program';
export {
  assertPixelImage,
  convertChannels,
  ensureBatch,
  type PixelImage,
  pixelsToTensor,
  stackBatch,
  tensorToPixels,
  tensorToPixelsSync,
  unstackBatch,
} from './image';
export {
  activeBackend,
  autoOrder,
  type BackendInfo,
  type InitBackendOptions,
  initBackend,
} from './init-backend';
export { type ImageInput, type InputOptions, type ModelInputShape, toModelInput } from './model-input';
export { createRandom, Random } from './random';
export { readSync, readSyncOrAsync } from './read-sync';
export { isNode } from './runtime';
export {
  type ConvAlgorithms,
  convAlgorithms,
  setConvAlgorithms,
} from './wasm-kernels/algorithms';
export { registerWasmTrainingKernels } from './wasm-kernels/register';
export { type WasmOptions, type WasmThreading, wasmThreading } from './wasm-threads';
