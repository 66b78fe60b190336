/**
 * `@convkit/pretrained-vgg16/node`: the node-only parts (files, downloads, the Keras cache).
 * Everything in the main entry is re-exported here too; `vgg16` here also accepts 'imagenet'
 * and file paths.
 */

export {
  DownloadError,
  type DownloadOptions,
  type DownloadProgress,
  downloadFile,
  md5OfFile,
} from './download';
export * from './index';
export { type NodeVgg16Options, vgg16 } from './node-vgg16';
export {
  kerasModelsDir,
  progressBar,
  type ResolveWeightsOptions,
  resolveVgg16Weights,
} from './weights-cache';
