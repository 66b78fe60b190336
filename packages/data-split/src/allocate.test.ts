import { describe, expect, it } from 'vitest';
import { countsFor, dealToSplits, parseSplits } from './allocate';
import { DataSplitError } from './errors';

describe('parseSplits', () => {
  it('reads whole numbers as counts and any fraction as fractions', () => {
    expect(parseSplits({ train: 1000, validation: 500, test: 500 })).toEqual({
      kind: 'count',
      sizes: { train: 1000, validation: 500, test: 500 },
    });
    expect(parseSplits({ train: 0.5, validation: 0.25, test: 0.25 }).kind).toBe('fraction');
    expect(parseSplits({ train: 0.8, validation: 0.2 }).sizes).toEqual({
      train: 0.8,
      validation: 0.2,
      test: 0,
    });
    expect(parseSplits({ train: 1 }, 'fraction')).toEqual({
      kind: 'fraction',
      sizes: { train: 1, validation: 0, test: 0 },
    });
  });

  it.each([
    [null, /splits must be an object/],
    [{ val: 10 }, /unknown split 'val'; the splits are train, validation, test/],
    [{ train: -1 }, /splits.train must be a number >= 0, got -1/],
    [{ train: Number.NaN }, /splits.train must be a number >= 0/],
    [{ train: '10' }, /splits.train must be a number >= 0, got "10"/],
    [{ train: 0, test: 0 }, /asks for no images at all/],
    [{ train: 0.7, validation: 0.2, test: 0.2 }, /add up to at most 1.*sum 1.1/],
    [{ train: 2, validation: 0.5 }, /each lie in \[0, 1\]/],
  ])('rejects %j with a clear message', (splits, message) => {
    expect(() => parseSplits(splits)).toThrow(message);
    expect(() => parseSplits(splits)).toThrow(DataSplitError);
  });

  it('rejects fractional counts when splitBy is count', () => {
    expect(() => parseSplits({ train: 0.5 }, 'count')).toThrow(/counts must be whole numbers; train: 0.5/);
  });
});

describe('countsFor', () => {
  it('gives counts as asked, or says the class is too small', () => {
    const rule = parseSplits({ train: 1000, validation: 500, test: 500 });
    expect(countsFor(rule, 12500)).toEqual({ train: 1000, validation: 500, test: 500 });
    expect(countsFor(rule, 1999)).toBe(
      'has 1999 image(s) but the splits ask for 2000 (train 1000 + validation 500 + test 500)',
    );
  });

  it('rounds fractions by running total so fractions adding to 1 use every image', () => {
    const rule = parseSplits({ train: 0.5, validation: 0.25, test: 0.25 });
    expect(countsFor(rule, 10)).toEqual({ train: 5, validation: 3, test: 2 });
    expect(countsFor(rule, 2000)).toEqual({ train: 1000, validation: 500, test: 500 });
    for (let n = 10; n < 60; n++) {
      const c = countsFor(parseSplits({ train: 0.7, validation: 0.15, test: 0.15 }), n);
      if (typeof c === 'string') throw new Error(c);
      expect(c.train + c.validation + c.test).toBe(n);
      expect(Math.abs(c.train - 0.7 * n)).toBeLessThanOrEqual(1);
    }
    expect(countsFor(parseSplits({ train: 0.8, validation: 0.1 }), 10)).toEqual({
      train: 8,
      validation: 1,
      test: 0,
    });
  });

  it('says which split would get no image', () => {
    expect(countsFor(parseSplits({ train: 0.9, validation: 0.05, test: 0.05 }), 5)).toBe(
      'has 5 image(s), too few to give validation (0.05) and test (0.05) even one image',
    );
  });
});

describe('dealToSplits', () => {
  const items = Array.from({ length: 20 }, (_, i) => i);
  const counts = { train: 10, validation: 5, test: 3 };

  it('deals in order when sorted (the book: first to train, next to validation, next to test)', () => {
    const d = dealToSplits(items, counts, 'sorted', null, 'cat');
    expect(d.train).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(d.validation).toEqual([10, 11, 12, 13, 14]);
    expect(d.test).toEqual([15, 16, 17]);
  });

  it('shuffles reproducibly per seed and per class, without repeats', () => {
    const a = dealToSplits(items, counts, 'shuffle', 1, 'cat');
    expect(dealToSplits(items, counts, 'shuffle', 1, 'cat')).toEqual(a);
    expect(dealToSplits(items, counts, 'shuffle', 2, 'cat')).not.toEqual(a);
    expect(dealToSplits(items, counts, 'shuffle', 1, 'dog')).not.toEqual(a);
    const all = [...a.train, ...a.validation, ...a.test];
    expect(new Set(all).size).toBe(18);
    expect(a.train).not.toEqual(items.slice(0, 10));
  });
});
