import { filterGrid } from '@convkit/explain-activations';
import { writeFileAtomic } from '@convkit/image-io/node';
import type { Sequential } from '@convkit/layers';
import type { Progress } from '../ui/progress';

/** Options for one layer's grid of filter patterns. */
export interface FilterPictureOptions {
  count?: number;
  size?: number;
  steps?: number;
  seed?: number;
  margin?: number;
  progress?: Progress;
}

/**
 * Gradient ascent in input space for the first `count` filters of a layer (the chapter's
 * generate_patterns_in_layer) and writes the grid to `file`; returns the picture's size.
 */
export async function writeFilterPicture(
  model: Sequential,
  layer: string,
  file: string,
  { count, size, steps, seed, margin = 5, progress }: FilterPictureOptions = {},
): Promise<{ layer: string; file: string; width: number; height: number; filters: number }> {
  const grid = await filterGrid(model, layer, {
    count,
    size,
    steps,
    seed,
    margin,
    onProgress: (p) => progress?.update(p.done),
  });
  progress?.stop();
  await writeFileAtomic(file, grid.png);
  return { layer, file, width: grid.pixels.width, height: grid.pixels.height, filters: grid.patterns.length };
}
