import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { writeJpeg, writePng } from '@convkit/image-io/node';
import type { PixelImage } from '@convkit/tensor';

/** A deterministic test picture: smooth gradients plus a few edges, so warps have something to move. */
export function testPicture(width: number, height: number, channels: 1 | 3 | 4 = 3, salt = 0): PixelImage {
  const data = new Uint8Array(width * height * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < channels; c++) {
        const wave = 127 + 100 * Math.sin((x + salt) / (5 + c)) * Math.cos((y - salt) / (7 + c));
        const edge = (x > width / 3 && y < height / 2 ? 40 : 0) + (c === 3 ? 255 - wave : 0);
        data[(y * width + x) * channels + c] = Math.max(0, Math.min(255, Math.round(wave + edge)));
      }
    }
  }
  return { width, height, channels, data };
}

/** Writes a picture as PNG or JPEG (by extension), creating folders. */
export async function writePicture(path: string, image: PixelImage): Promise<void> {
  mkdirSync(dirname(path), { recursive: true });
  if (path.endsWith('.png')) await writePng(path, image);
  else await writeJpeg(path, image, 92);
}
