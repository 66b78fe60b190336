/**
 * @convkit/image-io: images as 8-bit pixels (PixelImage) in node and the browser. This entry is
 * browser-safe (pure JavaScript plus browser APIs); files on disk are in `@convkit/image-io/node`.
 */
export { decodeImageBlob } from './blob';
export { decodeBmp, isBmp } from './bmp';
export { type ColorMode, channelsOf, toColorMode } from './color-mode';
export {
  applyColormap,
  type Colormap,
  type ColormapName,
  type ColormapScale,
  colormap,
} from './colormap';
export { ImageDecodeError } from './errors';
export { checkLoadOptions, finishLoadedImage, type LoadImageOptions } from './load-options';
export { decodeNetpbm, isNetpbm } from './netpbm';
export { decodePng, encodePng, isPng } from './png';
export { INTERPOLATIONS, type Interpolation, resizeImage } from './resize';
