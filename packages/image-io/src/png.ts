import { assertPixelImage, type PixelImage } from '@convkit/tensor';
import { convertIndexedToRgb, decode, encode } from 'fast-png';
import { ImageDecodeError } from './errors';

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Encodes 8-bit grey, RGB or RGBA pixels as a PNG file (pure JavaScript; runs in node and browsers). */
export function encodePng(image: PixelImage): Uint8Array {
  assertPixelImage(image, 'encodePng');
  const data =
    image.data instanceof Uint8Array
      ? image.data
      : new Uint8Array(image.data.buffer, image.data.byteOffset, image.data.length);
  return encode({ width: image.width, height: image.height, data, channels: image.channels, depth: 8 });
}

/** True when the bytes start with the PNG signature. */
export function isPng(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && PNG_SIGNATURE.every((b, i) => bytes[i] === b);
}

/**
 * Decodes a PNG file into 8-bit pixels (pure JavaScript). Palette images become RGB (RGBA when
 * the palette has transparency), grey+alpha becomes RGBA, 16-bit samples are scaled to 8 bits and
 * 1/2/4-bit grey is expanded to 0..255. `name` (a file name) goes into error messages.
 */
export function decodePng(bytes: Uint8Array | ArrayBuffer, name = 'PNG data'): PixelImage {
  const u8 = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  if (!isPng(u8)) {
    throw new ImageDecodeError(name, 'it does not start with the PNG signature (not a PNG file?)');
  }
  let png: ReturnType<typeof decode>;
  try {
    png = decode(u8, { checkCrc: true });
  } catch (cause) {
    throw new ImageDecodeError(
      name,
      `the PNG data is corrupt or truncated (${(cause as Error).message})`,
      cause,
    );
  }
  const { width, height } = png;
  if (!(width > 0 && height > 0)) throw new ImageDecodeError(name, `it has no pixels (${width}x${height})`);
  // Samples fast-png returns: packed bytes for depth <= 8, 16-bit words for depth 16.
  const expected = (channels: number, depth: number) =>
    depth === 16 ? width * height * channels : Math.ceil((width * channels * depth) / 8) * height;
  if (png.palette) {
    if (png.data.length < expected(1, png.depth)) {
      throw new ImageDecodeError(name, 'the PNG pixel data is truncated');
    }
    const rgb = convertIndexedToRgb(png);
    const channels = rgb.length / (width * height);
    return { width, height, channels: channels === 4 ? 4 : 3, data: rgb };
  }
  if (png.data.length < expected(png.channels, png.depth)) {
    throw new ImageDecodeError(name, 'the PNG pixel data is truncated');
  }
  const bytes8 = to8Bit(png.data, png.depth, width, height, png.channels);
  if (png.channels === 2) return { width, height, channels: 4, data: greyAlphaToRgba(bytes8) };
  if (png.channels !== 1 && png.channels !== 3 && png.channels !== 4) {
    throw new ImageDecodeError(name, `unsupported PNG channel count ${png.channels}`);
  }
  return { width, height, channels: png.channels, data: bytes8 };
}

function to8Bit(
  data: Uint8Array | Uint8ClampedArray | Uint16Array,
  depth: number,
  width: number,
  height: number,
  channels: number,
): Uint8Array {
  if (depth === 8) return data instanceof Uint8Array ? data : new Uint8Array(data);
  if (depth === 16) {
    const out = new Uint8Array(data.length);
    for (let i = 0; i < data.length; i++) out[i] = Math.round(data[i] / 257);
    return out;
  }
  // 1, 2 or 4-bit grey: rows are packed and padded to whole bytes.
  const out = new Uint8Array(width * height * channels);
  const perByte = 8 / depth;
  const mask = (1 << depth) - 1;
  const scale = 255 / mask;
  const rowBytes = Math.ceil((width * channels) / perByte);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width * channels; x++) {
      const byte = data[y * rowBytes + Math.floor(x / perByte)];
      const shift = 8 - depth * ((x % perByte) + 1);
      out[y * width * channels + x] = Math.round(((byte >> shift) & mask) * scale);
    }
  }
  return out;
}

function greyAlphaToRgba(data: Uint8Array): Uint8Array {
  const n = data.length / 2;
  const out = new Uint8Array(n * 4);
  for (let i = 0; i < n; i++) {
    const g = data[2 * i];
    out[4 * i] = g;
    out[4 * i + 1] = g;
    out[4 * i + 2] = g;
    out[4 * i + 3] = data[2 * i + 1];
  }
  return out;
}
