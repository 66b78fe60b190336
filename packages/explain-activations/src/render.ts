import { colormap, encodePng, type ColormapName as ImageIoColormap } from '@convkit/image-io';
import type { PixelImage } from '@convkit/tensor';

/** A colour map for grey values: 'viridis' and 'jet' from @convkit/image-io, or 'gray' (no colour). */
export type ColormapName = ImageIoColormap | 'gray';

/** An image result: its pixels, and their PNG encoding (made on first access, then kept). */
export interface EncodedImage {
  pixels: PixelImage;
  /** The pixels as a PNG file's bytes. */
  readonly png: Uint8Array;
}

/** Colours 0-255 grey values (row-major, width x height) into RGBA pixels, entry v of the map for value v. */
export function colorize(values: Uint8Array, width: number, height: number, map: ColormapName): PixelImage {
  const data = new Uint8Array(width * height * 4);
  const lut = map === 'gray' ? undefined : colormap(map).lut;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    const o = 4 * i;
    if (lut) {
      data[o] = lut[3 * v];
      data[o + 1] = lut[3 * v + 1];
      data[o + 2] = lut[3 * v + 2];
    } else {
      data[o] = v;
      data[o + 1] = v;
      data[o + 2] = v;
    }
    data[o + 3] = 255;
  }
  return { width, height, channels: 4, data };
}

/** Adds a lazy, cached `png` property (the PNG encoding of `pixels`) to a result object. */
export function withPng<T extends { pixels: PixelImage }>(result: T): T & EncodedImage {
  let png: Uint8Array | undefined;
  return Object.defineProperty(result, 'png', {
    enumerable: true,
    get: () => {
      png ??= encodePng(result.pixels);
      return png;
    },
  }) as T & EncodedImage;
}
