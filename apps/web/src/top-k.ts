/** The k highest scores with their indices, highest first. */
export function topK(scores: ArrayLike<number>, k: number): { index: number; score: number }[] {
  return Array.from(scores, (score, index) => ({ index, score }))
    .sort((a, b) => b.score - a.score)
    .slice(0, k);
}
