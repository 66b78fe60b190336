import type { PixelImage } from '@convkit/tensor';
import { ImageDecodeError } from './errors';

/** True when the bytes start like a netpbm file (P1 to P6: PBM, PGM, PPM). */
export function isNetpbm(bytes: Uint8Array): boolean {
  return bytes.length >= 3 && bytes[0] === 0x50 && bytes[1] >= 0x31 && bytes[1] <= 0x36 && isSpace(bytes[2]);
}

function isSpace(b: number): boolean {
  return b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d || b === 0x0b || b === 0x0c;
}

/**
 * Decodes a netpbm image: PBM (P1, P4: 1 is black), PGM (P2, P5) and PPM (P3, P6), plain or raw,
 * 8 or 16 bits per sample; values are scaled to 0..255 (rounded) when maxval is not 255.
 * Returns grey (1 channel) for PBM/PGM, RGB for PPM. `name` goes into error messages.
 */
export function decodeNetpbm(bytes: Uint8Array, name = 'netpbm data'): PixelImage {
  if (!isNetpbm(bytes))
    throw new ImageDecodeError(name, "it does not start with 'P1'..'P6' (not a PBM/PGM/PPM file?)");
  const kind = bytes[1] - 0x30;
  let pos = 2;
  const token = (): number => {
    for (;;) {
      while (pos < bytes.length && isSpace(bytes[pos])) pos++;
      if (bytes[pos] === 0x23) {
        while (pos < bytes.length && bytes[pos] !== 0x0a && bytes[pos] !== 0x0d) pos++;
        continue;
      }
      break;
    }
    const start = pos;
    while (pos < bytes.length && bytes[pos] >= 0x30 && bytes[pos] <= 0x39) pos++;
    if (start === pos)
      throw new ImageDecodeError(name, 'the netpbm header or data is truncated or malformed');
    return Number.parseInt(String.fromCharCode(...bytes.subarray(start, pos)), 10);
  };
  const width = token();
  const height = token();
  const bitmap = kind === 1 || kind === 4;
  const maxval = bitmap ? 1 : token();
  if (!(width > 0 && height > 0)) throw new ImageDecodeError(name, `it has no pixels (${width}x${height})`);
  if (!(maxval >= 1 && maxval <= 65535)) throw new ImageDecodeError(name, `invalid maxval ${maxval}`);
  const channels = kind === 3 || kind === 6 ? 3 : 1;
  const n = width * height * channels;
  const out = new Uint8Array(n);
  const scale = (v: number) => (maxval === 255 ? v : Math.round((Math.min(v, maxval) * 255) / maxval));
  if (kind <= 3) {
    for (let i = 0; i < n; i++) {
      if (kind === 1) {
        // Plain PBM digits may run together: read one character at a time.
        while (pos < bytes.length && (isSpace(bytes[pos]) || bytes[pos] === 0x23)) {
          if (bytes[pos] === 0x23) while (pos < bytes.length && bytes[pos] !== 0x0a) pos++;
          else pos++;
        }
        if (pos >= bytes.length) throw new ImageDecodeError(name, 'the PBM data is truncated');
        out[i] = bytes[pos++] === 0x31 ? 0 : 255;
      } else {
        out[i] = scale(token());
      }
    }
    return { width, height, channels, data: out };
  }
  pos++; // the single whitespace after the header
  if (kind === 4) {
    const rowBytes = Math.ceil(width / 8);
    if (pos + rowBytes * height > bytes.length) throw new ImageDecodeError(name, 'the PBM data is truncated');
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const bit = (bytes[pos + y * rowBytes + (x >> 3)] >> (7 - (x & 7))) & 1;
        out[y * width + x] = bit ? 0 : 255;
      }
    }
    return { width, height, channels, data: out };
  }
  const wide = maxval > 255;
  if (pos + n * (wide ? 2 : 1) > bytes.length)
    throw new ImageDecodeError(name, 'the pixel data is truncated');
  for (let i = 0; i < n; i++) {
    out[i] = scale(wide ? (bytes[pos + 2 * i] << 8) | bytes[pos + 2 * i + 1] : bytes[pos + i]);
  }
  return { width, height, channels, data: out };
}
