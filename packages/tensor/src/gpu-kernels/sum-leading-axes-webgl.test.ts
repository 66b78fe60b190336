import { describe, expect, it } from 'vitest';
import { splitRowPairs } from './sum-leading-axes-webgl';

describe('splitRowPairs', () => {
  it('cuts long sums into about the square root of their pairs of rows, covering each pair once', () => {
    // The MNIST convnet's first bias gradient at batch 64: 64 x 26 x 13 pairs of rows.
    const pairs = 64 * 26 * 13;
    const { chunks, chunkPairs } = splitRowPairs(pairs);
    expect(chunkPairs).toBe(Math.ceil(Math.sqrt(pairs)));
    expect((chunks - 1) * chunkPairs).toBeLessThan(pairs);
    expect(chunks * chunkPairs).toBeGreaterThanOrEqual(pairs);
  });
  it('keeps chunks of at least 32 pairs, and short sums in one chunk (one draw)', () => {
    expect(splitRowPairs(64)).toEqual({ chunks: 1, chunkPairs: 64 });
    expect(splitRowPairs(1)).toEqual({ chunks: 1, chunkPairs: 1 });
    expect(splitRowPairs(65)).toEqual({ chunks: 3, chunkPairs: 32 });
    expect(splitRowPairs(1024).chunkPairs).toBe(32);
  });
});
