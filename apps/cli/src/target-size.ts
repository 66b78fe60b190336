import { CliUsageError } from './errors';

/** Parses `--target-size`: '150' (square) or '150x200' (height x width), as [height, width]. */
export function parseTargetSize(text: string): [number, number] {
  const m = /^(\d+)(?:x(\d+))?$/.exec(text.trim());
  const h = m ? Number(m[1]) : Number.NaN;
  const w = m ? Number(m[2] ?? m[1]) : Number.NaN;
  if (!(h >= 1 && w >= 1)) {
    throw new CliUsageError(
      `--target-size must be a size like 150 or 150x150 (height x width), got '${text}'.`,
    );
  }
  return [h, w];
}
