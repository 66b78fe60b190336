import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SplitName } from './allocate';
import { DataSplitError } from './errors';
import { isCode, replaceOwnFile } from './fs-utils';
import type { SplitMode } from './types';

/** The journal's file name inside the destination. */
export const JOURNAL_NAME = '.convkit-split-journal.json';

/** One planned file as the journal records it (paths relative to the journal's source and destination). */
export interface JournalEntry {
  source: string;
  destination: string;
  split: SplitName;
  folder: string;
  size: number;
  sha256: string;
  /** True when the destination did not exist when a run first planned it, so that run owns it and may roll it back. */
  owned: boolean;
}

/**
 * The record a split writes (atomically) into its destination before touching anything else, and
 * marks complete at the end. It lists every file, folder and manifest the run owns, which is all
 * rollbackSplit ever removes.
 */
export interface Journal {
  format: 'convkit-split-journal';
  version: 1;
  runId: string;
  state: 'in-progress' | 'complete';
  source: string;
  destination: string;
  mode: SplitMode;
  /** How the split was asked for, for messages. */
  summary: string;
  /** Folders the run created (relative to the destination, so '.' is the destination and '..' its parent), parents first. */
  createdDirectories: string[];
  manifests: { path: string; sha256: string; owned: boolean }[];
  entries: JournalEntry[];
}

/** The journal's path for a destination. */
export function journalPath(destination: string): string {
  return join(destination, JOURNAL_NAME);
}

/** Reads the destination's journal: null when there is none; a DataSplitError when the file is not a readable journal. */
export async function readJournal(destination: string): Promise<Journal | null> {
  const path = journalPath(destination);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if (isCode(err, 'ENOENT') || isCode(err, 'ENOTDIR')) return null;
    throw new DataSplitError(
      'journal',
      `Cannot read the split journal ${path}: ${(err as Error).message}`,
      [],
      {
        cause: err,
      },
    );
  }
  let parsed: Partial<Journal>;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new DataSplitError(
      'journal',
      `The split journal ${path} is not valid JSON, so this destination's earlier run cannot be resumed or rolled back ` +
        'safely. Inspect the destination by hand; move the journal away only if you are sure no run is in progress.',
      [],
      { cause: err },
    );
  }
  if (parsed.format !== 'convkit-split-journal' || parsed.version !== 1 || !Array.isArray(parsed.entries)) {
    throw new DataSplitError(
      'journal',
      `${path} is not a convkit split journal (version 1); refusing to use or replace it. Choose another destination.`,
    );
  }
  return parsed as Journal;
}

/** Writes the journal atomically (temporary file, then rename). */
export async function writeJournal(journal: Journal): Promise<void> {
  await replaceOwnFile(journalPath(journal.destination), `${JSON.stringify(journal, null, 1)}\n`);
}
