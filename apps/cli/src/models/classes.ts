import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The class names saved beside a model by `convkit train` (classes.json in the model's folder
 * or its parent), or null when there are none.
 */
export function classNamesFor(modelPath: string): string[] | null {
  const dir = existsSync(modelPath) && statSync(modelPath).isDirectory() ? modelPath : dirname(modelPath);
  for (const file of [join(dir, 'classes.json'), join(dir, '..', 'classes.json')]) {
    if (!existsSync(file)) continue;
    try {
      const names = JSON.parse(readFileSync(file, 'utf8'));
      if (Array.isArray(names) && names.every((n) => typeof n === 'string')) return names;
    } catch {
      // Not ours: ignore it.
    }
  }
  return null;
}

/** Per-class probabilities from a model's output row: [1 - p, p] for one sigmoid unit. */
export function classProbabilities(row: number[]): number[] {
  return row.length === 1 ? [1 - row[0], row[0]] : row;
}
