/** Winograd's matrices for F(m x m, 3 x 3): input (B^T, α x α), filter (G, α x 3), output (A^T, m x α), α = m + 2. */
export interface WinogradMatrices {
  BT: number[][];
  G: number[][];
  AT: number[][];
}

/** The output tile sizes convkit implements: F(2x2, 3x3) and F(4x4, 3x3). */
export type WinogradTile = 2 | 4;

/** F(2x2, 3x3) and F(4x4, 3x3), as in Lavin and Gray, "Fast Algorithms for Convolutional Neural Networks" (2015). */
export const WINOGRAD: Record<WinogradTile, WinogradMatrices> = {
  2: {
    BT: [
      [1, 0, -1, 0],
      [0, 1, 1, 0],
      [0, -1, 1, 0],
      [0, 1, 0, -1],
    ],
    G: [
      [1, 0, 0],
      [0.5, 0.5, 0.5],
      [0.5, -0.5, 0.5],
      [0, 0, 1],
    ],
    AT: [
      [1, 1, 1, 0],
      [0, 1, -1, -1],
    ],
  },
  4: {
    BT: [
      [4, 0, -5, 0, 1, 0],
      [0, -4, -4, 1, 1, 0],
      [0, 4, -4, -1, 1, 0],
      [0, -2, -1, 2, 1, 0],
      [0, 2, -1, -2, 1, 0],
      [0, 4, 0, -5, 0, 1],
    ],
    G: [
      [1 / 4, 0, 0],
      [-1 / 6, -1 / 6, -1 / 6],
      [-1 / 6, 1 / 6, -1 / 6],
      [1 / 24, 1 / 12, 1 / 6],
      [1 / 24, -1 / 12, 1 / 6],
      [0, 0, 1],
    ],
    AT: [
      [1, 1, 1, 1, 1, 0],
      [0, 1, -1, 2, -2, 0],
      [0, 1, 1, 4, 4, 0],
      [0, 1, -1, 8, -8, 1],
    ],
  },
};
