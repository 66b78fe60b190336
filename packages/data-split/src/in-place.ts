import type { Stats } from 'node:fs';
import { readFile, readlink } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { sha256 } from './fs-utils';

/** What a destination path should hold: the source it comes from, and that source's size and hash. */
export interface ExpectedFile {
  source: string;
  destination: string;
  size: number;
  sha256: string;
}

/**
 * Why what lies at `expected.destination` (with lstat `stats`) is NOT that file, or null when it is:
 * a symbolic link to exactly the source, or a regular file (copy or hard link) with the same bytes.
 * `sameInode` short-cuts the hash for a hard link to the source.
 */
export async function mismatchReason(
  expected: ExpectedFile,
  stats: Stats,
  sameInode = false,
): Promise<string | null> {
  if (stats.isSymbolicLink()) {
    const target = await readlink(expected.destination);
    if (resolve(dirname(expected.destination), target) === expected.source) return null;
    return `is a symbolic link to ${target}, not to ${expected.source}`;
  }
  if (stats.isDirectory()) return 'is a folder';
  if (!stats.isFile()) return 'is not a regular file';
  if (stats.size !== expected.size) {
    return `holds different content (${stats.size} bytes; ${expected.source} has ${expected.size})`;
  }
  if (sameInode) return null;
  const actual = sha256(await readFile(expected.destination));
  if (actual === expected.sha256) return null;
  return `holds different content (sha256 ${actual.slice(0, 12)}..., expected ${expected.sha256.slice(0, 12)}...)`;
}
