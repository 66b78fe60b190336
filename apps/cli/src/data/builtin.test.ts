import { describe, expect, it } from 'vitest';
import { BUILTIN_CLASSES, builtinDataset, drawBuiltinImage } from './builtin';

const mean = (data: ArrayLike<number>) => Array.from(data).reduce((a, b) => a + b, 0) / data.length;

describe('the built-in cats-and-dogs set', () => {
  it('draws RGB images of the requested size', () => {
    const image = drawBuiltinImage('cat', 0, { size: 48 });
    expect(image).toMatchObject({ width: 48, height: 48, channels: 3 });
    expect(image.data.length).toBe(48 * 48 * 3);
  });

  it('is deterministic per (class, index, seed) and differs between them', () => {
    const a = drawBuiltinImage('dog', 7, { seed: 3 });
    expect(drawBuiltinImage('dog', 7, { seed: 3 }).data).toEqual(a.data);
    expect(drawBuiltinImage('dog', 8, { seed: 3 }).data).not.toEqual(a.data);
    expect(drawBuiltinImage('dog', 7, { seed: 4 }).data).not.toEqual(a.data);
    expect(drawBuiltinImage('cat', 7, { seed: 3 }).data).not.toEqual(a.data);
  });

  it('lists files in Kaggle flat naming, classes interleaved', () => {
    const names = [...builtinDataset(2, { size: 16 })].map((s) => s.filename);
    expect(names).toEqual(['cat.0.jpg', 'dog.0.jpg', 'cat.1.jpg', 'dog.1.jpg']);
  });

  it('does not give the class away through overall brightness', () => {
    const n = 60;
    const means = BUILTIN_CLASSES.map((label) => {
      let sum = 0;
      for (let i = 0; i < n; i++) sum += mean(drawBuiltinImage(label, i, { size: 32 }).data);
      return sum / n;
    });
    expect(Math.abs(means[0] - means[1])).toBeLessThan(12);
  });

  it('rejects a bad size or class with a clear message', () => {
    expect(() => drawBuiltinImage('cat', 0, { size: 8 })).toThrow(/at least 16/);
    expect(() => drawBuiltinImage('cow' as 'cat', 0)).toThrow(/Valid classes: cat, dog/);
    expect(() => [...builtinDataset(0)]).toThrow(/positive integer/);
  });
});
