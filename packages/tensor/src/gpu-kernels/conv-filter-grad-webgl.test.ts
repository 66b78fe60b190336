import { describe, expect, it } from 'vitest';
import { splitFilterGradient } from './conv-filter-grad-webgl';

describe('splitFilterGradient', () => {
  it('cuts the sum into chunks that cover it once, enough for about 65,000 fragments', () => {
    // MNIST conv1 at batch 64: 288 fragments per chunk, 43,264 terms to cut.
    const conv1 = splitFilterGradient(64 * 26 * 26, 288);
    expect(conv1.chunks * 288).toBeGreaterThanOrEqual(65536);
    expect((conv1.chunks - 1) * conv1.chunkLength).toBeLessThan(64 * 26 * 26);
    expect(conv1.chunks * conv1.chunkLength).toBeGreaterThanOrEqual(64 * 26 * 26);
    // A large filter already fills the GPU: one chunk.
    expect(splitFilterGradient(20 * 9 * 9, 3 * 3 * 512 * 512)).toEqual({ chunks: 1, chunkLength: 1620 });
    // Never chunks of fewer than 64 terms, and always at least one.
    expect(splitFilterGradient(1000, 1).chunkLength).toBeGreaterThanOrEqual(64);
    expect(splitFilterGradient(10, 1)).toEqual({ chunks: 1, chunkLength: 10 });
  });
});
