import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { assertPixelImage, ConvkitUsageError, type PixelImage } from '@convkit/tensor';
import sharp from 'sharp';
import { encodePng } from '../png';

/**
 * Writes bytes to `path` atomically: first to a temporary file in the same folder, then renamed
 * over the target, so a crash never leaves a half-written file. Creates missing parent folders.
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const temp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await writeFile(temp, bytes, { flag: 'wx' });
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/** Writes 8-bit grey, RGB or RGBA pixels as a PNG file (atomically). */
export async function writePng(path: string, image: PixelImage): Promise<void> {
  await writeFileAtomic(path, encodePng(image));
}

/**
 * Writes 8-bit grey or RGB pixels as a JPEG file (atomically) with sharp, at `quality` 1-100
 * (default 90). RGBA is refused: JPEG has no alpha.
 */
export async function writeJpeg(path: string, image: PixelImage, quality = 90): Promise<void> {
  assertPixelImage(image, 'writeJpeg');
  if (image.channels === 4) {
    throw new ConvkitUsageError(
      `writeJpeg ${path}: JPEG has no alpha channel; convert the RGBA image to RGB first.`,
    );
  }
  if (!(Number.isInteger(quality) && quality >= 1 && quality <= 100)) {
    throw new ConvkitUsageError(
      `writeJpeg ${path}: quality must be an integer from 1 to 100, got ${quality}.`,
    );
  }
  const { width, height, channels } = image;
  const bytes = await sharp(Buffer.from(image.data.buffer, image.data.byteOffset, image.data.length), {
    raw: { width, height, channels },
  })
    .jpeg({ quality })
    .toBuffer();
  await writeFileAtomic(path, bytes);
}
