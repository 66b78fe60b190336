import { describe, expect, it } from 'vitest';
import { naturalCompare } from './natural-sort';

describe('naturalCompare', () => {
  it('orders Kaggle indices numerically', () => {
    const names = ['cat.10.jpg', 'cat.2.jpg', 'cat.1.jpg', 'cat.100.jpg', 'cat.0.jpg', 'cat.11.jpg'];
    expect(names.sort(naturalCompare)).toEqual([
      'cat.0.jpg',
      'cat.1.jpg',
      'cat.2.jpg',
      'cat.10.jpg',
      'cat.11.jpg',
      'cat.100.jpg',
    ]);
  });

  it('is total and independent of locale: leading zeros, case and normalisation', () => {
    const names = ['a01', 'a1', 'B', 'a', 'b', 'a001'];
    const sorted = [...names].sort(naturalCompare);
    expect(sorted).toEqual(['B', 'a', 'a001', 'a01', 'a1', 'b']);
    expect([...names].reverse().sort(naturalCompare)).toEqual(sorted);
    // The same name in NFC and NFD sorts to the same place relative to others.
    const nfc = 'caf\u00e9.1.jpg';
    const nfd = 'cafe\u0301.1.jpg';
    expect(Math.sign(naturalCompare(nfc, 'cafz.1.jpg'))).toBe(Math.sign(naturalCompare(nfd, 'cafz.1.jpg')));
    expect(naturalCompare(nfc, nfd)).not.toBe(0);
  });

  it('compares long digit runs without losing precision', () => {
    expect(naturalCompare('x12345678901234567890', 'x12345678901234567891')).toBeLessThan(0);
    expect(naturalCompare('x99', 'x100')).toBeLessThan(0);
  });
});
