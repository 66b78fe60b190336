import { resolve } from 'node:path';
import { parseSplits, type SplitOrder, type SplitRule } from './allocate';
import { DataSplitError } from './errors';
import type { SourceLayout } from './layout';
import type { SplitDatasetOptions, SplitMode } from './types';

/** splitDataset's options after checking, with defaults filled in. */
export interface CheckedOptions {
  source: string;
  destination: string;
  rule: SplitRule;
  /** Class name -> output folder, in the order given; null means every class under its own name. */
  classes: Map<string, string> | null;
  layout: 'auto' | SourceLayout;
  seed: number | string | null;
  order: SplitOrder;
  mode: SplitMode;
  /** Absolute manifest path, or null for none. */
  manifest: string | null;
  concurrency: number;
}

const MODES: SplitMode[] = ['copy', 'hardlink', 'symlink'];
const ORDERS: SplitOrder[] = ['shuffle', 'sorted'];
const LAYOUTS = ['auto', 'flat', 'folders'] as const;

/** Checks every option of splitDataset and fills in defaults; throws a DataSplitError naming the bad option. */
export function checkOptions(options: SplitDatasetOptions): CheckedOptions {
  if (options === null || typeof options !== 'object')
    throw bad(`splitDataset takes an options object, got ${String(options)}`);
  for (const key of ['source', 'destination'] as const) {
    if (typeof options[key] !== 'string' || options[key].trim() === '') {
      throw bad(`${key} must be a folder path (a non-empty string), got ${JSON.stringify(options[key])}`);
    }
  }
  const rule = parseSplits(options.splits, options.splitBy);
  const mode = options.mode ?? 'copy';
  if (!MODES.includes(mode))
    throw bad(`mode must be one of ${MODES.join(', ')}, got ${JSON.stringify(mode)}`);
  const order = options.order ?? 'shuffle';
  if (!ORDERS.includes(order))
    throw bad(`order must be one of ${ORDERS.join(', ')}, got ${JSON.stringify(order)}`);
  const layout = options.layout ?? 'auto';
  if (!LAYOUTS.includes(layout))
    throw bad(`layout must be one of ${LAYOUTS.join(', ')}, got ${JSON.stringify(layout)}`);
  const seed = options.seed ?? null;
  if (seed !== null && !(typeof seed === 'string' || (typeof seed === 'number' && Number.isFinite(seed)))) {
    throw bad(`seed must be a finite number or a string, got ${JSON.stringify(seed)}`);
  }
  if (order === 'shuffle' && seed === null) {
    throw bad(
      "seed is required when order is 'shuffle' (the default): pass seed: 1 (any number or string) so the split " +
        "can be reproduced and a stopped run resumed, or order: 'sorted' for the book's unshuffled split",
    );
  }
  const concurrency = options.concurrency ?? 8;
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw bad(`concurrency must be a whole number >= 1, got ${concurrency}`);
  const destination = resolve(options.destination);
  let manifest: string | null;
  if (options.manifest === undefined || options.manifest === true)
    manifest = resolve(destination, 'split-manifest.json');
  else if (options.manifest === false) manifest = null;
  else if (typeof options.manifest === 'string' && options.manifest.trim() !== '')
    manifest = resolve(options.manifest);
  else throw bad(`manifest must be a file path, true or false, got ${JSON.stringify(options.manifest)}`);
  return {
    source: resolve(options.source),
    destination,
    rule,
    classes: checkClasses(options.classes),
    layout,
    seed,
    order,
    mode,
    manifest,
    concurrency,
  };
}

function checkClasses(classes: SplitDatasetOptions['classes']): Map<string, string> | null {
  if (classes === undefined) return null;
  let pairs: [string, unknown][];
  if (Array.isArray(classes)) pairs = classes.map((c) => [c, c]);
  else if (classes !== null && typeof classes === 'object') pairs = Object.entries(classes);
  else
    throw bad(
      `classes must be a list of class names or a map { class: folder }, got ${JSON.stringify(classes)}`,
    );
  if (pairs.length === 0)
    throw bad('classes is empty; leave it out to use every class, or name at least one');
  const out = new Map<string, string>();
  const folders = new Set<string>();
  for (const [name, folder] of pairs) {
    if (typeof name !== 'string' || name === '')
      throw bad(`classes holds an empty or non-string class name: ${JSON.stringify(name)}`);
    if (out.has(name)) throw bad(`classes names '${name}' twice`);
    if (typeof folder !== 'string' || !isFolderName(folder)) {
      throw bad(
        `classes maps '${name}' to ${JSON.stringify(folder)}, which is not a plain folder name (no / or \\, not . or ..)`,
      );
    }
    if (folders.has(folder)) throw bad(`classes sends two classes to the same folder '${folder}'`);
    out.set(name, folder);
    folders.add(folder);
  }
  return out;
}

function isFolderName(name: string): boolean {
  return name !== '' && name !== '.' && name !== '..' && !/[/\\\0]/.test(name);
}

function bad(message: string): DataSplitError {
  return new DataSplitError('bad-option', message);
}
