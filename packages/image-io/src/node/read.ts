import { readFile } from 'node:fs/promises';
import type { PixelImage } from '@convkit/tensor';
import sharp, { type OutputInfo } from 'sharp';
import { decodeBmp, isBmp } from '../bmp';
import { ImageDecodeError } from '../errors';
import { checkLoadOptions, finishLoadedImage, type LoadImageOptions } from '../load-options';
import { decodeNetpbm, isNetpbm } from '../netpbm';

/**
 * Reads an image file into 8-bit pixels as Keras's `load_img` does: decode (sharp), convert to
 * `colorMode` (PIL's rules), resize to `targetSize` [height, width] with `interpolation`
 * ('nearest' by default, PIL's pixel grid). EXIF orientation is not applied (neither does Keras).
 * A missing, corrupt or truncated file throws an ImageDecodeError naming the file.
 */
export async function readImage(path: string, options: LoadImageOptions = {}): Promise<PixelImage> {
  checkLoadOptions(options);
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : (cause as Error).message;
    throw new ImageDecodeError(path, why, cause);
  }
  return decodeImage(bytes, { ...options, name: path });
}

/**
 * Decodes image file bytes (JPEG, PNG, WebP, GIF, TIFF... with sharp; BMP and PBM/PGM/PPM in JavaScript), then applies `colorMode`,
 * `targetSize` and `interpolation` as `readImage` does. `name` goes into error messages.
 */
export async function decodeImage(
  bytes: Uint8Array,
  options: LoadImageOptions & { name?: string } = {},
): Promise<PixelImage> {
  checkLoadOptions(options);
  const name = options.name ?? 'image data';
  if (bytes.length === 0) throw new ImageDecodeError(name, 'the file is empty');
  // BMP and PBM/PGM/PPM (in Keras's list of extensions) are decoded in JavaScript: sharp has no loader for them.
  if (isBmp(bytes)) return finishLoadedImage(decodeBmp(bytes, name), options);
  if (isNetpbm(bytes)) return finishLoadedImage(decodeNetpbm(bytes, name), options);
  let decoded: { data: Buffer; info: OutputInfo };
  try {
    // failOn 'warning' (sharp's default) turns a truncated JPEG into an error, like PIL.
    // sharp's raw output is sRGB: grey images come out as 3 equal channels (PIL's luma of them is the
    // grey value again) and CMYK is converted through a colour profile (PIL converts naively).
    decoded = await sharp(bytes, { failOn: 'warning', sequentialRead: true })
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
  } catch (cause) {
    throw new ImageDecodeError(name, describeSharpError(cause as Error), cause);
  }
  const { width, height, channels } = decoded.info;
  const data = new Uint8Array(decoded.data.buffer, decoded.data.byteOffset, decoded.data.length);
  const image =
    channels === 2
      ? greyAlphaToRgba(data, width, height)
      : { width, height, channels: channels as 1 | 3 | 4, data };
  if (![1, 3, 4].includes(image.channels)) {
    throw new ImageDecodeError(name, `unsupported channel count ${channels}`);
  }
  return finishLoadedImage(image, options);
}

function describeSharpError(error: Error): string {
  const message = error.message.replace(/\s+/g, ' ').trim();
  if (/unsupported image format/i.test(message))
    return 'not an image format sharp can read (JPEG, PNG, WebP, GIF, TIFF, AVIF)';
  if (/premature end|truncated|end of file|not enough data/i.test(message)) {
    return `the file is truncated (${message})`;
  }
  return `the data is corrupt or unreadable (${message})`;
}

function greyAlphaToRgba(data: Uint8Array, width: number, height: number): PixelImage {
  const n = width * height;
  const out = new Uint8Array(n * 4);
  for (let i = 0; i < n; i++) {
    const g = data[2 * i];
    out[4 * i] = g;
    out[4 * i + 1] = g;
    out[4 * i + 2] = g;
    out[4 * i + 3] = data[2 * i + 1];
  }
  return { width, height, channels: 4, data: out };
}
