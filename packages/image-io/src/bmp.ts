import type { PixelImage } from '@convkit/tensor';
import { ImageDecodeError } from './errors';

/** True when the bytes start like a Windows bitmap ('BM'). */
export function isBmp(bytes: Uint8Array): boolean {
  return bytes.length >= 26 && bytes[0] === 0x42 && bytes[1] === 0x4d;
}

/**
 * Decodes an uncompressed Windows BMP (1, 4, 8 bits with a palette; 16, 24, 32 bits, with or
 * without bit-field masks; bottom-up or top-down) into RGB pixels, RGBA when a 32-bit image has
 * an alpha mask, as PIL reads them (16-bit channels scale by truncation, v * 255 / max).
 * RLE-compressed bitmaps are refused with a clear error. `name` goes into error messages.
 */
export function decodeBmp(bytes: Uint8Array, name = 'BMP data'): PixelImage {
  if (!isBmp(bytes)) throw new ImageDecodeError(name, "it does not start with 'BM' (not a BMP file?)");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const need = (end: number, what: string) => {
    if (end > bytes.length) throw new ImageDecodeError(name, `the BMP file is truncated (${what})`);
  };
  const dataOffset = view.getUint32(10, true);
  const headerSize = view.getUint32(14, true);
  need(14 + headerSize, 'header');
  let width: number;
  let height: number;
  let bpp: number;
  let compression = 0;
  let colorsUsed = 0;
  if (headerSize === 12) {
    width = view.getUint16(18, true);
    height = view.getInt16(20, true);
    bpp = view.getUint16(24, true);
  } else if (headerSize >= 40) {
    width = view.getInt32(18, true);
    height = view.getInt32(22, true);
    bpp = view.getUint16(28, true);
    compression = view.getUint32(30, true);
    colorsUsed = view.getUint32(46, true);
  } else {
    throw new ImageDecodeError(name, `unsupported BMP header size ${headerSize}`);
  }
  const topDown = height < 0;
  height = Math.abs(height);
  if (!(width > 0 && height > 0))
    throw new ImageDecodeError(name, `the BMP has no pixels (${width}x${height})`);
  if (compression !== 0 && compression !== 3 && compression !== 6) {
    throw new ImageDecodeError(
      name,
      `compressed BMPs (compression ${compression}, RLE) are not supported; save it as PNG or JPEG`,
    );
  }
  let masks: [number, number, number, number] | undefined;
  if (compression === 3 || compression === 6) {
    // Masks follow a 40-byte header, or sit inside a V4/V5 header at the same place.
    need(14 + 40 + 16, 'bit-field masks');
    masks = [view.getUint32(54, true), view.getUint32(58, true), view.getUint32(62, true), 0];
    if (compression === 6 || headerSize >= 56) masks[3] = view.getUint32(66, true);
  } else if (bpp === 16) {
    masks = [0x7c00, 0x03e0, 0x001f, 0];
  }
  const rowBytes = Math.ceil((width * bpp) / 32) * 4;
  need(dataOffset + rowBytes * height, 'pixel data');
  const rowStart = (y: number) => dataOffset + (topDown ? y : height - 1 - y) * rowBytes;

  if (bpp <= 8) {
    if (![1, 4, 8].includes(bpp)) throw new ImageDecodeError(name, `unsupported BMP bit depth ${bpp}`);
    const entry = headerSize === 12 ? 3 : 4;
    const count = colorsUsed || 1 << bpp;
    const paletteStart = 14 + headerSize + (compression === 3 ? 12 : compression === 6 ? 16 : 0);
    need(paletteStart + count * entry, 'palette');
    const out = new Uint8Array(width * height * 3);
    for (let y = 0; y < height; y++) {
      const row = rowStart(y);
      for (let x = 0; x < width; x++) {
        const bit = x * bpp;
        const byte = bytes[row + (bit >> 3)];
        let index = (byte >> (8 - bpp - (bit & 7))) & ((1 << bpp) - 1);
        if (index >= count) index = 0;
        const p = paletteStart + index * entry;
        const o = (y * width + x) * 3;
        out[o] = bytes[p + 2];
        out[o + 1] = bytes[p + 1];
        out[o + 2] = bytes[p];
      }
    }
    return { width, height, channels: 3, data: out };
  }
  if (bpp === 24 && !masks) {
    const out = new Uint8Array(width * height * 3);
    for (let y = 0; y < height; y++) {
      const row = rowStart(y);
      for (let x = 0; x < width; x++) {
        const s = row + x * 3;
        const o = (y * width + x) * 3;
        out[o] = bytes[s + 2];
        out[o + 1] = bytes[s + 1];
        out[o + 2] = bytes[s];
      }
    }
    return { width, height, channels: 3, data: out };
  }
  if (bpp !== 16 && bpp !== 32) throw new ImageDecodeError(name, `unsupported BMP bit depth ${bpp}`);
  const m = masks ?? [0xff0000, 0xff00, 0xff, 0];
  const hasAlpha = bpp === 32 && m[3] !== 0;
  const channels = hasAlpha ? 4 : 3;
  const fields = m.map((mask) => {
    if (mask === 0) return { shift: 0, max: 0, mask: 0 };
    let shift = 0;
    while (((mask >>> shift) & 1) === 0) shift++;
    return { shift, max: mask >>> shift, mask };
  });
  const out = new Uint8Array(width * height * channels);
  for (let y = 0; y < height; y++) {
    const row = rowStart(y);
    for (let x = 0; x < width; x++) {
      const v = bpp === 16 ? view.getUint16(row + x * 2, true) : view.getUint32(row + x * 4, true);
      const o = (y * width + x) * channels;
      for (let c = 0; c < channels; c++) {
        const f = fields[c];
        out[o + c] = f.max === 0 ? 0 : Math.floor((((v & f.mask) >>> f.shift) * 255) / f.max);
      }
    }
  }
  return { width, height, channels, data: out };
}
