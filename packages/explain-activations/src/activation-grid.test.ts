import { colormap, decodePng } from '@convkit/image-io';
import { createRandom } from '@convkit/tensor';
import { pythonUnavailable, runPython } from '@convkit/tensor/testing';
import { describe, expect, it } from 'vitest';
import { activationGrid } from './activation-grid';
import { normalizeChannel } from './channel-image';

function randomActivation(shape: number[], seed = 3) {
  const rng = createRandom(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  // ReLU-like values: many exact zeros, as real conv outputs.
  return { layerName: 'conv2d_1', shape, data: rng.fill(n, () => Math.max(0, rng.normal(0.2, 1))) };
}

describe('normalizeChannel', () => {
  it('applies minus mean, over std, x64, +128, clip, truncate', () => {
    const values = [0, 1, 2, 3, 100];
    const mean = 106 / 5;
    const std = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / 5);
    const got: number[] = [];
    normalizeChannel(values, 0, 1, 5, (p, v) => {
      got[p] = v;
    });
    const want = values.map((v) => Math.trunc(Math.min(255, Math.max(0, ((v - mean) / std) * 64 + 128))));
    expect(got).toEqual(want);
    expect(got[4]).toBe(255); // clipped
  });

  it('gives a flat tile of 128 for a constant channel, never NaN', () => {
    for (const c of [0, 0.1, -3.7]) {
      const got: number[] = [];
      normalizeChannel([c, c, c, c], 0, 1, 4, (p, v) => {
        got[p] = v;
      });
      expect(got).toEqual([128, 128, 128, 128]);
    }
  });
});

describe('activationGrid', () => {
  it('lays out channel row*16+col at tile (row, col), each normalised alone', () => {
    const act = randomActivation([1, 5, 7, 32]);
    const grid = activationGrid(act);
    expect([grid.rows, grid.columns, grid.tileHeight, grid.tileWidth]).toEqual([2, 16, 5, 7]);
    expect([grid.pixels.width, grid.pixels.height, grid.pixels.channels]).toEqual([16 * 7, 2 * 5, 4]);
    expect(grid.layerName).toBe('conv2d_1');
    for (const k of [0, 5, 15, 16, 31]) {
      const tile: number[] = [];
      normalizeChannel(act.data, k, 32, 35, (p, v) => {
        tile[p] = v;
      });
      const [row, col] = [Math.floor(k / 16), k % 16];
      for (let p = 0; p < 35; p++) {
        const y = row * 5 + Math.floor(p / 7);
        const x = col * 7 + (p % 7);
        expect(grid.values[y * grid.pixels.width + x]).toBe(tile[p]);
      }
    }
  });

  it('matches the chapter loop run by numpy', (ctx) => {
    const why = pythonUnavailable();
    if (why) ctx.skip(why);
    const act = randomActivation([2, 9, 9, 48], 11);
    // a constant channel and a channel of zeros, as dead ReLU filters give
    for (let p = 0; p < 81; p++) {
      act.data[81 * 48 + p * 48 + 3] = 0.25;
      act.data[81 * 48 + p * 48 + 40] = 0;
    }
    const ref = runPython(
      `
import warnings
warnings.simplefilter('ignore')
layer_activation = inp('act').astype(np.float64).reshape(2, 9, 9, 48)[1:2]
images_per_row = 16
n_features = layer_activation.shape[-1]
size = layer_activation.shape[1]
n_cols = n_features // images_per_row
display_grid = np.zeros((size * n_cols, images_per_row * size))
for col in range(n_cols):
    for row in range(images_per_row):
        channel_image = layer_activation[0, :, :, col * images_per_row + row].copy()
        channel_image -= channel_image.mean()
        channel_image /= channel_image.std()
        channel_image *= 64
        channel_image += 128
        channel_image = np.clip(channel_image, 0, 255).astype('uint8')
        display_grid[col * size : (col + 1) * size, row * size : (row + 1) * size] = channel_image
out('grid', display_grid)
`,
      { act: act.data },
      ['grid'],
    );
    const grid = activationGrid(act, { imageIndex: 1 });
    expect(grid.values.length).toBe(ref.grid.length);
    let mismatched = 0;
    for (let i = 0; i < ref.grid.length; i++) {
      const tileCol = Math.floor((i % grid.pixels.width) / 9);
      const tileRow = Math.floor(Math.floor(i / grid.pixels.width) / 9);
      const channel = tileRow * 16 + tileCol;
      // numpy makes NaN (then an undefined uint8) for constant channels; we give 128.
      if (channel === 3 || channel === 40) expect(grid.values[i]).toBe(128);
      else if (grid.values[i] !== ref.grid[i]) mismatched++;
    }
    expect(mismatched).toBe(0);
  });

  it('keeps a partial last row with blank tiles, or drops it as the chapter does', () => {
    const act = randomActivation([1, 4, 4, 20]);
    const kept = activationGrid(act);
    expect([kept.rows, kept.channelsShown, kept.pixels.height]).toEqual([2, 20, 8]);
    // tiles 20..31 are blank (0), as the chapter's np.zeros grid
    expect(kept.values[4 * 64 + 4 * 4 + 1]).toBeGreaterThanOrEqual(0);
    for (let y = 4; y < 8; y++) for (let x = 4 * 4; x < 64; x++) expect(kept.values[y * 64 + x]).toBe(0);
    const dropped = activationGrid(act, { partialRow: 'drop' });
    expect([dropped.rows, dropped.channelsShown, dropped.pixels.height]).toEqual([1, 16, 4]);
    expect(Array.from(dropped.values)).toEqual(Array.from(kept.values.subarray(0, 4 * 64)));
  });

  it('colours with viridis by default and encodes the same pixels as PNG', () => {
    const grid = activationGrid(randomActivation([1, 3, 3, 16]), { imagesPerRow: 4 });
    const lut = colormap('viridis').lut;
    for (let i = 0; i < grid.values.length; i++) {
      const v = grid.values[i];
      expect(Array.from(grid.pixels.data.subarray(4 * i, 4 * i + 4))).toEqual([
        lut[3 * v],
        lut[3 * v + 1],
        lut[3 * v + 2],
        255,
      ]);
    }
    const decoded = decodePng(grid.png);
    expect([decoded.width, decoded.height]).toEqual([12, 12]);
    expect(Array.from(decoded.data)).toEqual(Array.from(grid.pixels.data));
    const gray = activationGrid(randomActivation([1, 3, 3, 16]), { imagesPerRow: 4, colormap: 'gray' });
    expect(gray.pixels.data[0]).toBe(gray.values[0]);
  });

  it('explains bad arguments', () => {
    const act = randomActivation([1, 3, 3, 4]);
    expect(() =>
      activationGrid({ layerName: 'dense_1', shape: [1, 10], data: new Float32Array(10) }),
    ).toThrow(/dense_1.*feature map/);
    expect(() => activationGrid(act, { imageIndex: 1 })).toThrow(/imageIndex 1.*1 image/);
    expect(() => activationGrid(act, { partialRow: 'drop' })).toThrow(/4 channels.*imagesPerRow 16/);
    expect(() => activationGrid(act, { imagesPerRow: 0 })).toThrow(/imagesPerRow/);
  });
});
