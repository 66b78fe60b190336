import { describe, expect, it } from 'vitest';
import { toColorMode } from './color-mode';
import { resizeImage } from './resize';

describe('toColorMode', () => {
  it('uses PIL luma for grey, repeats grey, drops or adds alpha', () => {
    const rgba = {
      width: 2,
      height: 1,
      channels: 4 as const,
      data: new Uint8Array([255, 0, 0, 10, 10, 200, 30, 255]),
    };
    // PIL: Image.new('RGB', (1, 1), (255, 0, 0)).convert('L') -> 76; (10, 200, 30) -> 124
    expect(Array.from(toColorMode(rgba, 'grayscale').data)).toEqual([76, 124]);
    expect(Array.from(toColorMode(rgba, 'rgb').data)).toEqual([255, 0, 0, 10, 200, 30]);
    const grey = { width: 1, height: 1, channels: 1 as const, data: new Uint8Array([7]) };
    expect(Array.from(toColorMode(grey, 'rgba').data)).toEqual([7, 7, 7, 255]);
    expect(toColorMode(grey, 'grayscale')).toBe(grey);
  });
});

describe('resizeImage', () => {
  it("picks PIL's nearest pixels: floor((i + 0.5) * in / out)", () => {
    const row = { width: 5, height: 1, channels: 1 as const, data: new Uint8Array([0, 1, 2, 3, 4]) };
    expect(Array.from(resizeImage(row, 2, 1).data)).toEqual([1, 3]);
    expect(Array.from(resizeImage(row, 8, 1).data)).toEqual([0, 0, 1, 2, 2, 3, 4, 4]);
  });

  it('bilinear keeps a flat image flat and averages when halving', () => {
    const flat = { width: 6, height: 4, channels: 3 as const, data: new Uint8Array(72).fill(77) };
    expect(resizeImage(flat, 4, 3, 'bilinear').data.every((v) => v === 77)).toBe(true);
    const pair = { width: 2, height: 1, channels: 1 as const, data: new Uint8Array([100, 200]) };
    expect(Array.from(resizeImage(pair, 1, 1, 'bilinear').data)).toEqual([150]);
  });

  it('rejects a zero size or an unknown interpolation', () => {
    const img = { width: 1, height: 1, channels: 1 as const, data: new Uint8Array(1) };
    expect(() => resizeImage(img, 0, 3)).toThrow(/positive integers, got 0x3/);
    expect(() => resizeImage(img, 2, 2, 'area' as 'nearest')).toThrow(/Unknown interpolation 'area'/);
  });
});
