import { join } from 'node:path';
import { writeJpeg } from '@convkit/image-io/node';
import { type BuiltinOptions, builtinDataset } from './builtin';

/** Options for writing the built-in set to disk. */
export interface WriteBuiltinOptions extends BuiltinOptions {
  /** Images per class (the set has 2 classes). */
  perClass: number;
  /** JPEG quality, 1-100 (92 by default). */
  quality?: number;
  /** Called after each file is written, with the count so far. */
  onProgress?: (written: number) => void;
}

/**
 * Writes the built-in set as JPEG files in Kaggle's flat layout (`dir/cat.0.jpg`,
 * `dir/dog.0.jpg`, ...), each atomically; returns the file names in order.
 */
export async function writeBuiltinDataset(dir: string, options: WriteBuiltinOptions): Promise<string[]> {
  const { perClass, quality = 92, onProgress, ...drawOptions } = options;
  const names: string[] = [];
  const pending = new Set<Promise<void>>();
  let written = 0;
  for (const sample of builtinDataset(perClass, drawOptions)) {
    names.push(sample.filename);
    const write = writeJpeg(join(dir, sample.filename), sample.image, quality).then(() => {
      pending.delete(write);
      onProgress?.(++written);
    });
    pending.add(write);
    if (pending.size >= 8) await Promise.race(pending);
  }
  await Promise.all(pending);
  return names;
}
