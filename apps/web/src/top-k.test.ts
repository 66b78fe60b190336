import { expect, it } from 'vitest';
import { topK } from './top-k';

it('topK returns the highest scores first with their indices', () => {
  expect(topK([0.1, 0.5, 0.2, 0.05, 0.15], 3)).toEqual([
    { index: 1, score: 0.5 },
    { index: 2, score: 0.2 },
    { index: 4, score: 0.15 },
  ]);
  expect(topK([1], 5)).toHaveLength(1);
});
