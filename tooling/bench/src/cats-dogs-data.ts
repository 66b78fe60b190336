import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createRandom, type PixelImage, type Random } from '@convkit/tensor';
// The bench has no package dependency on these packages; it runs their sources through tsx.
import {
  type ImageDataGeneratorOptions,
  CHAPTER_AUGMENTATION as LISTING_5_11,
} from '../../../packages/image-augment/src/index';
import { resizeImage } from '../../../packages/image-io/src/index';
import { readImage, writeJpeg } from '../../../packages/image-io/src/node';

const SKIMAGE = '/usr/lib/python3/dist-packages/skimage/data';

/** The chapter's augmentation for cats vs dogs (listing 5.11), with rescale (listing 5.14). */
export const CHAPTER_AUGMENTATION: ImageDataGeneratorOptions = { rescale: 1 / 255, ...LISTING_5_11 };

/** Debian's python3-skimage photos the folders are cropped from. */
export const SKIMAGE_PHOTOS = [
  'chelsea.png',
  'coffee.png',
  'astronaut.png',
  'rocket.jpg',
  'motorcycle_left.png',
  'motorcycle_right.png',
  'hubble_deep_field.jpg',
  'retina.jpg',
];

/** Smooth random colour fields, when skimage's photos are not installed. */
function syntheticPicture(rng: Random, width: number, height: number): PixelImage {
  const data = new Uint8Array(width * height * 3);
  const f = [rng.uniform(0.005, 0.05), rng.uniform(0.005, 0.05), rng.uniform(0, 6)];
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      for (let c = 0; c < 3; c++) {
        const v = 128 + 100 * Math.sin(f[0] * x * (c + 1) + f[1] * y + f[2] * c) + rng.uniform(-20, 20);
        data[(y * width + x) * 3 + c] = Math.max(0, Math.min(255, v));
      }
  return { width, height, channels: 3, data };
}

/** A random crop of `src` scaled so its long side is `long` pixels. */
function cropAndScale(rng: Random, src: PixelImage, long: number): PixelImage {
  const w = rng.int(Math.min(src.width, 200), src.width + 1);
  const h = rng.int(Math.min(src.height, 200), src.height + 1);
  const x0 = rng.int(0, src.width - w + 1);
  const y0 = rng.int(0, src.height - h + 1);
  const crop = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    const from = ((y0 + y) * src.width + x0) * 3;
    crop.set(src.data.subarray(from, from + w * 3), y * w * 3);
  }
  const s = long / Math.max(w, h);
  return resizeImage(
    { width: w, height: h, channels: 3, data: crop },
    Math.max(1, Math.round(w * s)),
    Math.max(1, Math.round(h * s)),
    'bilinear',
  );
}

/**
 * Makes a Dogs-vs-Cats-like folder in `dir`: cats/ and dogs/ with `perClass` JPEGs each (quality
 * 90, 300-500 px on the long side), random crops of skimage's photos (synthetic pictures where
 * they are not installed), reproducible from `seed`. Returns what the pictures are, for notes.
 */
export async function makePhotoFolder(dir: string, perClass: number, seed: string): Promise<string> {
  const rng = createRandom(seed);
  const haveSkimage = SKIMAGE_PHOTOS.every((p) => existsSync(join(SKIMAGE, p)));
  const sources = haveSkimage
    ? await Promise.all(SKIMAGE_PHOTOS.map((p) => readImage(join(SKIMAGE, p), { colorMode: 'rgb' })))
    : [];
  for (const cls of ['cats', 'dogs']) {
    for (let i = 0; i < perClass; i++) {
      const long = rng.int(300, 501);
      const out = haveSkimage
        ? cropAndScale(rng, sources[rng.int(0, sources.length)], long)
        : syntheticPicture(rng, long, rng.int(Math.round(long * 0.6), long + 1));
      await writeJpeg(join(dir, cls, `${cls.slice(0, -1)}.${i}.jpg`), out, 90);
    }
  }
  return haveSkimage
    ? `crops of skimage's ${SKIMAGE_PHOTOS.join(', ')}`
    : `synthetic pictures (${SKIMAGE} not found: install python3-skimage for photos)`;
}
