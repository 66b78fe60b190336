import { decodePng } from '@convkit/image-io';
import { initBackend } from '@convkit/tensor';
import { expectNoLeakedTensors, type FakeModel, fakeModel } from '@convkit/tensor/testing';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { filterGrid } from './filter-grid';
import { filterPattern, startingNoise } from './filter-pattern';

let model: FakeModel;
beforeAll(async () => {
  await initBackend('cpu');
  model = fakeModel(
    [null, null, 3],
    [
      { type: 'conv', filters: 8, name: 'conv_a' },
      { type: 'pool', name: 'pool_a' },
      { type: 'conv', filters: 70, name: 'conv_b' },
      { type: 'gap', name: 'gap' },
      { type: 'dense', units: 3, activation: 'softmax', name: 'out' },
    ],
    7,
  );
});
afterAll(() => model.dispose());

/** The filter's mean activation on a deprocess-free input, to check the ascent independently. */
function meanActivation(x: tf.Tensor4D, layer: string, f: number): number {
  return tf
    .tidy(() => {
      const out = model.splitAt(layer).head(x);
      return tf.mean(tf.gather(out, [f], 3));
    })
    .dataSync()[0];
}

describe('filterPattern', () => {
  it('increases the filter mean activation at every step, from the seeded grey noise', async () => {
    const p = await filterPattern(model, 'conv_b', 5, { size: 20, steps: 15, seed: 42 });
    expect(p.losses.length).toBe(16);
    for (let i = 1; i < p.losses.length; i++) expect(p.losses[i]).toBeGreaterThan(p.losses[i - 1]);
    // the first loss is the activation of the starting noise, computed independently
    const noise = tf.tensor4d(startingNoise(42, 5, 20, 3), [1, 20, 20, 3]);
    expect(p.losses[0]).toBeCloseTo(meanActivation(noise, 'conv_b', 5), 4);
    noise.dispose();
    const noiseValues = startingNoise(42, 5, 20, 3);
    expect(Math.min(...noiseValues)).toBeGreaterThanOrEqual(128);
    expect(Math.max(...noiseValues)).toBeLessThan(148);
    expect([p.pixels.width, p.pixels.height, p.pixels.channels]).toEqual([20, 20, 3]);
    expect(decodePng(p.png).width).toBe(20);
  });

  it('is reproducible with a seed and differs between seeds', async () => {
    const a = await filterPattern(model, 'conv_a', 1, { size: 12, steps: 3, seed: 'x' });
    const b = await filterPattern(model, 'conv_a', 1, { size: 12, steps: 3, seed: 'x' });
    const c = await filterPattern(model, 'conv_a', 1, { size: 12, steps: 3, seed: 'y' });
    expect(Array.from(a.pixels.data)).toEqual(Array.from(b.pixels.data));
    expect(Array.from(a.pixels.data)).not.toEqual(Array.from(c.pixels.data));
  });

  it('explains bad arguments', async () => {
    await expect(filterPattern(model, 'conv_z', 0)).rejects.toThrow(
      /no layer named 'conv_z'.*conv_a, pool_a, conv_b, gap, out/,
    );
    await expect(filterPattern(model, 'gap', 0)).rejects.toThrow(
      /'gap' \(GlobalAveragePooling2D\).*\(None, 70\).*conv_a, pool_a, conv_b\./,
    );
    const fixed = fakeModel([16, 16, 3], [{ type: 'conv', filters: 2, name: 'c' }]);
    await expect(filterPattern(fixed, 'c', 0, { size: 20, steps: 1 })).rejects.toThrow(
      /takes 16x16 inputs only, so the pattern size must be 16 \(got 20\)/,
    );
    const p = await filterPattern(fixed, 'c', 1, { steps: 1, seed: 1 });
    expect(p.pixels.width).toBe(16);
    fixed.dispose();
    await expect(filterPattern(model, 'conv_a', 8)).rejects.toThrow(/filter index 8.*8 filters \(0 to 7\)/);
    await expect(filterPattern(model, 'conv_a', 0, { size: 0 })).rejects.toThrow(/size/);
  });
});

describe('filterGrid', () => {
  it('places filter i + side*j at row i, column j with black margins, as the chapter', async () => {
    const progress: number[] = [];
    const grid = await filterGrid(model, 'conv_a', {
      count: 4,
      size: 10,
      margin: 3,
      steps: 2,
      seed: 9,
      batchSize: 3,
      onProgress: (p) => progress.push(p.fraction),
    });
    expect(grid.side).toBe(2);
    expect([grid.pixels.width, grid.pixels.height, grid.pixels.channels]).toEqual([23, 23, 3]);
    for (let i = 1; i < progress.length; i++) expect(progress[i]).toBeGreaterThan(progress[i - 1]);
    expect(progress.at(-1)).toBeCloseTo(1, 10);
    const at = (y: number, x: number) =>
      Array.from(grid.pixels.data.subarray((y * 23 + x) * 3, (y * 23 + x) * 3 + 3));
    for (let f = 0; f < 4; f++) {
      const alone = await filterPattern(model, 'conv_a', f, { size: 10, steps: 2, seed: 9 });
      const [row, col] = [f % 2, Math.floor(f / 2)];
      for (const [y, x] of [
        [0, 0],
        [9, 9],
        [4, 7],
      ]) {
        const s = (y * 10 + x) * 3;
        expect(at(row * 13 + y, col * 13 + x)).toEqual(Array.from(alone.pixels.data.subarray(s, s + 3)));
      }
    }
    expect(at(10, 5)).toEqual([0, 0, 0]); // horizontal margin
    expect(at(5, 11)).toEqual([0, 0, 0]); // vertical margin
  });

  it('makes the 8x8 grid of 64 filters without leaking tensors', async () => {
    const grid = await expectNoLeakedTensors(() =>
      filterGrid(model, 'conv_b', { size: 8, steps: 2, margin: 5, seed: 1 }),
    );
    expect(grid.side).toBe(8);
    expect(grid.patterns.map((p) => p.filterIndex)).toEqual(Array.from({ length: 64 }, (_, i) => i));
    expect(grid.pixels.width).toBe(8 * 8 + 7 * 5);
  });

  it('defaults count to the layer filter count when it has fewer than 64, and checks count', async () => {
    const grid = await filterGrid(model, 'conv_a', { size: 6, steps: 1, seed: 1 });
    expect(grid.patterns.length).toBe(8);
    expect(grid.side).toBe(3);
    await expect(filterGrid(model, 'conv_a', { count: 9 })).rejects.toThrow(/filter index 8.*8 filters/);
  });
});
