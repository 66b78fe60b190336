/**
 * @convkit/image-io/node: files on disk. Decoding goes through sharp (libvips: JPEG, PNG, WebP,
 * GIF, TIFF, AVIF); resizing and colour conversion follow PIL, as Keras's load_img does.
 */
export { decodeImage, readImage } from './node/read';
export { writeFileAtomic, writeJpeg, writePng } from './node/write';
