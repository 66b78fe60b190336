import type { PixelImage } from '@convkit/tensor';
import { ImageDecodeError } from './errors';
import { checkLoadOptions, finishLoadedImage, type LoadImageOptions } from './load-options';
import { decodeNetpbm, isNetpbm } from './netpbm';

/**
 * Decodes an image Blob or File in a browser (or a worker) through createImageBitmap and an
 * OffscreenCanvas, then applies `colorMode`, `targetSize` and `interpolation` as `readImage` does.
 * The browser decodes; pixels may differ from sharp's/PIL's by a level or two where the browser's
 * JPEG decoder does. Throws an ImageDecodeError naming the file (its `name`, when it is a File).
 */
export async function decodeImageBlob(blob: Blob, options: LoadImageOptions = {}): Promise<PixelImage> {
  checkLoadOptions(options);
  const name = (blob as Partial<File>).name ?? `a ${blob.type || 'binary'} blob of ${blob.size} bytes`;
  // Browsers do not decode PBM/PGM/PPM.
  const head = new Uint8Array(await blob.slice(0, 3).arrayBuffer());
  if (isNetpbm(head)) {
    return finishLoadedImage(decodeNetpbm(new Uint8Array(await blob.arrayBuffer()), name), options);
  }
  if (typeof createImageBitmap !== 'function' || typeof OffscreenCanvas !== 'function') {
    throw new ImageDecodeError(
      name,
      'this runtime has no createImageBitmap/OffscreenCanvas (in node, use readImage or decodeImage from @convkit/image-io/node)',
    );
  }
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(blob, { premultiplyAlpha: 'none', colorSpaceConversion: 'none' });
  } catch (cause) {
    throw new ImageDecodeError(
      name,
      `the browser could not decode it: corrupt, truncated or not an image (${(cause as Error).message})`,
      cause,
    );
  }
  try {
    const { width, height } = bitmap;
    const canvas = new OffscreenCanvas(width, height);
    const context = canvas.getContext('2d', { willReadFrequently: true });
    if (!context) throw new ImageDecodeError(name, 'no 2d canvas context is available');
    context.drawImage(bitmap, 0, 0);
    const { data } = context.getImageData(0, 0, width, height);
    const rgba: PixelImage = {
      width,
      height,
      channels: 4,
      data: new Uint8Array(data.buffer, data.byteOffset, data.length),
    };
    // Keras's 'rgb' drops alpha; 'rgba' keeps it.
    return finishLoadedImage(rgba, options);
  } finally {
    bitmap.close();
  }
}
