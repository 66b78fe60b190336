import { describe, expect, it } from 'vitest';
import { createRandom, Random } from './random';

describe('Random', () => {
  it('gives the same numbers for the same seed and different ones for another', () => {
    const a = new Random(42);
    const b = new Random(42);
    const c = new Random(43);
    const seqA = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(seqA);
    expect(Array.from({ length: 5 }, () => c.next())).not.toEqual(seqA);
    expect(new Random('run-1').uint32()).toBe(new Random('run-1').uint32());
  });

  it('draws uniform values with the right mean and range', () => {
    const rng = createRandom(7);
    const xs = Array.from({ length: 20000 }, () => rng.uniform(-2, 4));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(-2);
    expect(Math.max(...xs)).toBeLessThan(4);
    expect(xs.reduce((s, x) => s + x, 0) / xs.length).toBeCloseTo(1, 1);
  });

  it('draws normals with mean 0 and std 1, truncated ones within 2 std', () => {
    const rng = createRandom(1);
    const xs = Array.from({ length: 20000 }, () => rng.normal());
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    const std = Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length);
    expect(mean).toBeCloseTo(0, 1);
    expect(std).toBeCloseTo(1, 1);
    const ts = Array.from({ length: 5000 }, () => rng.truncatedNormal(0, 0.5));
    expect(Math.max(...ts.map(Math.abs))).toBeLessThanOrEqual(1);
  });

  it('shuffles reproducibly and keeps every element', () => {
    const order = (seed: number) => new Random(seed).shuffle([...Array(10).keys()]);
    expect(order(3)).toEqual(order(3));
    expect(order(3)).not.toEqual(order(4));
    expect([...order(3)].sort((x, y) => x - y)).toEqual([...Array(10).keys()]);
  });

  it('forks independent, reproducible streams', () => {
    const f1 = new Random(5).fork('dropout');
    const f2 = new Random(5).fork('dropout');
    const f3 = new Random(5).fork('augment');
    expect(f1.next()).toBe(f2.next());
    expect(new Random(5).fork('dropout').next()).not.toBe(f3.next());
  });
});
