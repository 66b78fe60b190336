import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodePng } from '@convkit/image-io';
import { expectNoLeakedTensors, forEachBackend } from '@convkit/tensor/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { CHAPTER_AUGMENTATION } from './chapter-augmentation';
import { augmentedGrid } from './grid';
import { ImageDataGenerator } from './image-data-generator';
import { writeAugmentedGrid } from './node/node-generator';
import { testPicture } from './test-support/fixtures';

const dir = mkdtempSync(join(tmpdir(), 'augment-grid-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

forEachBackend(['cpu'], () => {
  describe('augmentedGrid', () => {
    it('lays out count augmented tiles (all different) with gaps, leaking nothing', async () => {
      const image = testPicture(30, 20);
      const grid = await expectNoLeakedTensors(() =>
        augmentedGrid(image, new ImageDataGenerator(CHAPTER_AUGMENTATION), {
          count: 4,
          columns: 2,
          seed: 1,
          gap: 2,
        }),
      );
      expect([grid.width, grid.height, grid.channels]).toEqual([62, 42, 3]);
      const tile = (i: number) => {
        const x0 = (i % 2) * 32;
        const y0 = Math.floor(i / 2) * 22;
        const out: number[] = [];
        for (let y = 0; y < 20; y++)
          out.push(...grid.data.subarray(((y0 + y) * 62 + x0) * 3, ((y0 + y) * 62 + x0 + 30) * 3));
        return out.join();
      };
      expect(new Set([0, 1, 2, 3].map(tile)).size).toBe(4);
      expect(grid.data[30 * 3]).toBe(255); // a gap pixel
    });

    it('writes the chapter-style grid of four augmented cats to a PNG', async () => {
      const path = join(dir, 'cats.png');
      const grid = await writeAugmentedGrid(
        path,
        testPicture(40, 40),
        new ImageDataGenerator(CHAPTER_AUGMENTATION),
        {
          seed: 3,
        },
      );
      const back = decodePng(readFileSync(path));
      expect([back.width, back.height]).toEqual([4 * 40 + 3 * 4, 40]);
      expect(Array.from(back.data)).toEqual(Array.from(grid.data));
      await expect(augmentedGrid(testPicture(4, 4), new ImageDataGenerator(), { count: 0 })).rejects.toThrow(
        /count must be a positive integer/,
      );
    });
  });
});
