import { readdir, rmdir, unlink } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { DataSplitError } from './errors';
import { isCode, lstatOrNull, partialName } from './fs-utils';
import { mismatchReason } from './in-place';
import { JOURNAL_NAME, journalPath, readJournal } from './journal';

/** Options of rollbackSplit. */
export interface RollbackOptions {
  /** List what would be removed, remove nothing. */
  dryRun?: boolean;
  /** Called after each file is checked (for a progress bar). */
  onProgress?: (progress: { done: number; total: number; file: string }) => void;
  /** Where a dry run prints its list (default console.log). */
  log?: (line: string) => void;
}

/** What rollbackSplit removed and what it left in place, with the reason. */
export interface RollbackResult {
  dryRun: boolean;
  /** Files removed (or, in a dry run, that would be): the run's files, manifest and temporary files. */
  removed: string[];
  /** Files the run created that no longer hold what it wrote, so they were left alone. */
  kept: { path: string; reason: string }[];
  /** Files the journal lists as the run's that are already gone. */
  missing: number;
  /** Folders the run created and removed because they were empty. */
  removedDirectories: string[];
  /** Folders the run created that still hold something else, so they stay. */
  keptDirectories: string[];
  /** True when everything was undone and the journal itself removed. */
  journalRemoved: boolean;
}

/**
 * Undoes a split (finished or stopped midway) in `destination`, using its journal: removes only the
 * files the journal says that run created, after checking each still holds what the run wrote (same
 * SHA-256, or a symbolic link to the same source); then the run's temporary files and manifest, the
 * folders it created if they are empty, and finally the journal. Files that existed before the run,
 * or that were changed since, are never touched (they are listed in `kept`, and the journal stays).
 */
export async function rollbackSplit(
  destination: string,
  options: RollbackOptions = {},
): Promise<RollbackResult> {
  const dest = resolve(destination);
  const journal = await readJournal(dest);
  if (journal === null) {
    throw new DataSplitError(
      'journal',
      `There is no split journal at ${journalPath(dest)}, so nothing in ${dest} can be shown to come from a split; ` +
        'nothing was removed.',
    );
  }
  const dryRun = options.dryRun ?? false;
  const result: RollbackResult = {
    dryRun,
    removed: [],
    kept: [],
    missing: 0,
    removedDirectories: [],
    keptDirectories: [],
    journalRemoved: false,
  };
  const remove = async (path: string) => {
    if (!dryRun) await unlink(path).catch((err) => (isCode(err, 'ENOENT') ? undefined : Promise.reject(err)));
    result.removed.push(path);
  };

  const owned = journal.entries.filter((e) => e.owned);
  let done = 0;
  for (const entry of owned) {
    const path = join(dest, ...entry.destination.split('/'));
    const st = await lstatOrNull(path);
    if (st === null) result.missing++;
    else {
      const expected = {
        source: join(journal.source, ...entry.source.split('/')),
        destination: path,
        size: entry.size,
        sha256: entry.sha256,
      };
      const reason = await mismatchReason(expected, st);
      if (reason === null) await remove(path);
      else result.kept.push({ path, reason: `${reason}; it changed after the split wrote it` });
    }
    options.onProgress?.({ done: ++done, total: owned.length, file: entry.destination });
  }

  const suffix = `.${journal.runId}.partial`;
  const folders = new Set(journal.entries.map((e) => dirname(join(dest, ...e.destination.split('/')))));
  for (const folder of folders) {
    let names: string[];
    try {
      names = await readdir(folder);
    } catch (err) {
      if (isCode(err, 'ENOENT')) continue;
      throw err;
    }
    for (const name of names)
      if (name.startsWith('.') && name.endsWith(suffix)) await remove(join(folder, name));
  }

  for (const manifest of journal.manifests) {
    const temp = partialName(manifest.path, journal.runId);
    if ((await lstatOrNull(temp)) !== null) await remove(temp);
    if (!manifest.owned) continue;
    const st = await lstatOrNull(manifest.path);
    if (st === null) continue;
    const reason = await mismatchReason(
      { source: '(the split)', destination: manifest.path, size: st.size, sha256: manifest.sha256 },
      st,
    );
    if (reason === null) await remove(manifest.path);
    else
      result.kept.push({
        path: manifest.path,
        reason: `${reason}; the manifest changed after the split wrote it`,
      });
  }

  // A journal write interrupted by a kill leaves its temporary file next to the journal.
  const journalTemp = new RegExp(`^\\.${JOURNAL_NAME.replace(/\./g, '\\.')}\\.\\d+\\.[0-9a-f]+\\.tmp$`);
  for (const name of await readdir(dest)) if (journalTemp.test(name)) await remove(join(dest, name));

  const inside = journal.createdDirectories.filter((d) => d !== '.' && !d.startsWith('..'));
  const outside = journal.createdDirectories.filter((d) => d === '.' || d.startsWith('..'));
  const deepestFirst = (a: string, b: string) => b.split('/').length - a.split('/').length;
  const removeFolder = async (path: string) => {
    if (dryRun) {
      result.removedDirectories.push(path);
      return;
    }
    try {
      await rmdir(path);
      result.removedDirectories.push(path);
    } catch (err) {
      if (isCode(err, 'ENOENT')) return;
      if (isCode(err, 'ENOTEMPTY') || isCode(err, 'EEXIST')) result.keptDirectories.push(path);
      else throw err;
    }
  };
  for (const dir of inside.sort(deepestFirst)) await removeFolder(join(dest, ...dir.split('/')));

  if (result.kept.length === 0) {
    if (!dryRun) await unlink(journalPath(dest));
    result.journalRemoved = true;
    // '.' is the destination itself, '..' its parent, and so on: remove the deepest first.
    for (const dir of outside.sort((a, b) => a.length - b.length)) await removeFolder(resolve(dest, dir));
  }
  if (dryRun) {
    const log = options.log ?? console.log;
    log(
      `Rollback plan (dry run) for ${dest}: remove ${result.removed.length} file(s) and up to ${result.removedDirectories.length} empty folder(s)`,
    );
    for (const path of result.removed) log(`  remove ${path}`);
    for (const k of result.kept) log(`  keep   ${k.path}: ${k.reason}`);
  }
  return result;
}
