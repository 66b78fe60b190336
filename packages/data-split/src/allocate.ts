import { createRandom } from '@convkit/tensor';
import { DataSplitError } from './errors';

/** The three splits, in the order files are dealt to them. */
export const SPLIT_NAMES = ['train', 'validation', 'test'] as const;

/** A split's name: also the name of its output folder. */
export type SplitName = (typeof SPLIT_NAMES)[number];

/** How many images (counts) or what share of each class (fractions) goes to each split; a missing split gets none. */
export type SplitSizes = Partial<Record<SplitName, number>>;

/** Split sizes after checking: counts per class, or fractions of each class. */
export interface SplitRule {
  kind: 'count' | 'fraction';
  sizes: Record<SplitName, number>;
}

/** How the images of a class are ordered before being dealt: `shuffle` (seeded) or `sorted` (natural order, as the book does). */
export type SplitOrder = 'shuffle' | 'sorted';

/**
 * Checks `splits` and decides whether they are counts or fractions: all whole numbers are counts
 * (1000/500/500 per class), any fraction makes them fractions of each class (0.5/0.25/0.25).
 * `splitBy` settles the one ambiguous case, such as `{ train: 1 }` meaning "everything".
 */
export function parseSplits(splits: unknown, splitBy?: 'count' | 'fraction'): SplitRule {
  if (splits === null || typeof splits !== 'object' || Array.isArray(splits)) {
    throw badSplits(
      `splits must be an object such as { train: 1000, validation: 500, test: 500 }, got ${show(splits)}`,
    );
  }
  const sizes: Record<SplitName, number> = { train: 0, validation: 0, test: 0 };
  for (const [key, value] of Object.entries(splits)) {
    if (!(SPLIT_NAMES as readonly string[]).includes(key)) {
      throw badSplits(`splits has an unknown split '${key}'; the splits are ${SPLIT_NAMES.join(', ')}`);
    }
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw badSplits(`splits.${key} must be a number >= 0, got ${show(value)}`);
    }
    sizes[key as SplitName] = value;
  }
  const values = SPLIT_NAMES.map((s) => sizes[s]);
  if (values.every((v) => v === 0))
    throw badSplits('splits asks for no images at all; give at least one split a size');
  if (splitBy !== undefined && splitBy !== 'count' && splitBy !== 'fraction') {
    throw badSplits(`splitBy must be 'count' or 'fraction', got ${show(splitBy)}`);
  }
  const kind = splitBy ?? (values.every(Number.isInteger) ? 'count' : 'fraction');
  if (kind === 'count') {
    const notWhole = SPLIT_NAMES.filter((s) => !Number.isInteger(sizes[s]));
    if (notWhole.length)
      throw badSplits(`counts must be whole numbers; ${notWhole.map((s) => `${s}: ${sizes[s]}`).join(', ')}`);
  } else {
    const total = values.reduce((a, b) => a + b, 0);
    if (values.some((v) => v > 1) || total > 1 + 1e-9) {
      throw badSplits(
        `fractions must each lie in [0, 1] and add up to at most 1; got ${SPLIT_NAMES.map((s) => `${s}: ${sizes[s]}`).join(', ')} (sum ${+total.toFixed(6)})`,
      );
    }
  }
  return { kind, sizes };
}

/**
 * How many of a class's `available` images go to each split. Fractions round the running total
 * (so 0.5/0.25/0.25 of 10 gives 5/3/2 and fractions adding up to 1 use every image).
 * Returns the counts, or a sentence saying why the class has too few images.
 */
export function countsFor(rule: SplitRule, available: number): Record<SplitName, number> | string {
  const counts: Record<SplitName, number> = { train: 0, validation: 0, test: 0 };
  if (rule.kind === 'count') {
    const wanted = SPLIT_NAMES.reduce((a, s) => a + rule.sizes[s], 0);
    if (wanted > available) {
      const parts = SPLIT_NAMES.filter((s) => rule.sizes[s] > 0).map((s) => `${s} ${rule.sizes[s]}`);
      return `has ${available} image(s) but the splits ask for ${wanted} (${parts.join(' + ')})`;
    }
    return { ...rule.sizes };
  }
  let cumulative = 0;
  let previous = 0;
  const empty: string[] = [];
  for (const s of SPLIT_NAMES) {
    cumulative += rule.sizes[s];
    const boundary = Math.min(available, Math.floor(cumulative * available + 0.5 + 1e-9));
    counts[s] = boundary - previous;
    previous = boundary;
    if (rule.sizes[s] > 0 && counts[s] === 0) empty.push(`${s} (${rule.sizes[s]})`);
  }
  if (empty.length) {
    return `has ${available} image(s), too few to give ${empty.join(' and ')} even one image`;
  }
  return counts;
}

/**
 * Deals a class's images (already in natural order) to the splits: shuffled by a generator seeded
 * from `seed` and the class name (so adding a class never changes another's split), or in order.
 * Images beyond the counts are left out.
 */
export function dealToSplits<T>(
  items: readonly T[],
  counts: Record<SplitName, number>,
  order: SplitOrder,
  seed: number | string | null,
  className: string,
): Record<SplitName, T[]> {
  const ordered = [...items];
  if (order === 'shuffle') createRandom(`${seed}\u0000${className}`).shuffle(ordered);
  const out = {} as Record<SplitName, T[]>;
  let start = 0;
  for (const s of SPLIT_NAMES) {
    out[s] = ordered.slice(start, start + counts[s]);
    start += counts[s];
  }
  return out;
}

function badSplits(message: string): DataSplitError {
  return new DataSplitError('bad-option', message);
}

function show(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
