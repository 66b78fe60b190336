import { encode } from 'fast-png';
import { describe, expect, it } from 'vitest';
import { ImageDecodeError } from './errors';
import { decodePng, encodePng, isPng } from './png';

function pattern(width: number, height: number, channels: 1 | 3 | 4) {
  const data = new Uint8Array(width * height * channels);
  for (let i = 0; i < data.length; i++) data[i] = (i * 37 + (i >> 5)) & 255;
  return { width, height, channels, data };
}

describe('encodePng / decodePng', () => {
  it.each([1, 3, 4] as const)('round-trips %i-channel pixels exactly', (channels) => {
    const image = pattern(13, 7, channels);
    const bytes = encodePng(image);
    expect(isPng(bytes)).toBe(true);
    const back = decodePng(bytes);
    expect([back.width, back.height, back.channels]).toEqual([13, 7, channels]);
    expect(Array.from(back.data)).toEqual(Array.from(image.data));
  });

  it('accepts Uint8ClampedArray pixels', () => {
    const image = { ...pattern(4, 4, 3), data: new Uint8ClampedArray(pattern(4, 4, 3).data) };
    expect(Array.from(decodePng(encodePng(image)).data)).toEqual(Array.from(image.data));
  });

  it('expands grey+alpha to RGBA and 16-bit samples to 8 bits', () => {
    const ga = encode({
      width: 2,
      height: 1,
      channels: 2,
      depth: 8,
      data: new Uint8Array([10, 200, 90, 255]),
    });
    expect(Array.from(decodePng(ga).data)).toEqual([10, 10, 10, 200, 90, 90, 90, 255]);
    const deep = encode({
      width: 3,
      height: 1,
      channels: 1,
      depth: 16,
      data: new Uint16Array([0, 65535, 257 * 128]),
    });
    const d = decodePng(deep);
    expect(d.channels).toBe(1);
    expect(Array.from(d.data)).toEqual([0, 255, 128]);
  });

  it('unpacks 1-bit grey rows (padded to bytes) to 0 and 255', () => {
    // 9 pixels per row: two bytes per row, the last 7 bits padding.
    const png = encode({
      width: 9,
      height: 2,
      channels: 1,
      depth: 1,
      data: new Uint8Array([0b10100000, 0b10000000, 0b01011111, 0b00000000]),
    });
    expect(Array.from(decodePng(png).data)).toEqual(
      [255, 0, 255, 0, 0, 0, 0, 0, 255, 0, 255, 0, 255, 1, 1, 1, 1, 0].map((v) => (v ? 255 : 0)),
    );
  });

  it('converts palette images to RGB', () => {
    const png = encode({
      width: 2,
      height: 1,
      channels: 1,
      depth: 8,
      data: new Uint8Array([1, 0]),
      palette: [
        [1, 2, 3],
        [250, 251, 252],
      ],
    });
    const d = decodePng(png);
    expect(d.channels).toBe(3);
    expect(Array.from(d.data)).toEqual([250, 251, 252, 1, 2, 3]);
  });

  it('names the file when the data is not a PNG, corrupt or truncated', () => {
    expect(() => decodePng(new Uint8Array([1, 2, 3]), 'x.png')).toThrow(/x\.png.*PNG signature/);
    const good = encodePng(pattern(32, 32, 3));
    const truncated = good.slice(0, good.length - 30);
    expect(() => decodePng(truncated, 'cut.png')).toThrow(ImageDecodeError);
    expect(() => decodePng(truncated, 'cut.png')).toThrow(/cut\.png/);
    const corrupt = good.slice();
    corrupt[60] ^= 0xff;
    expect(() => decodePng(corrupt, 'bad.png')).toThrow(/bad\.png.*corrupt or truncated/);
  });
});
