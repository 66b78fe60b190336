import { createHash, randomBytes } from 'node:crypto';
import type { Stats } from 'node:fs';
import { link, lstat, realpath, rename, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';

/** The SHA-256 of some bytes, as lower-case hex. */
export function sha256(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** lstat, or null when nothing is at the path. */
export async function lstatOrNull(path: string): Promise<Stats | null> {
  try {
    return await lstat(path);
  } catch (err) {
    if (isCode(err, 'ENOENT') || isCode(err, 'ENOTDIR')) return null;
    throw err;
  }
}

/** True when `err` is a node system error with this code. */
export function isCode(err: unknown, code: string): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === code;
}

/** The real path of `path`, or, when it does not exist yet, its nearest existing ancestor's real path plus the rest. */
export async function realpathOrPlanned(path: string): Promise<string> {
  const abs = resolve(path);
  try {
    return await realpath(abs);
  } catch (err) {
    if (!isCode(err, 'ENOENT') && !isCode(err, 'ENOTDIR')) throw err;
    const parent = dirname(abs);
    if (parent === abs) return abs;
    return join(await realpathOrPlanned(parent), basename(abs));
  }
}

/** True when `child` is `parent` or lies inside it (both absolute, already resolved). */
export function isInside(child: string, parent: string): boolean {
  const rel = relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !rel.startsWith(sep) && !/^[a-zA-Z]:/.test(rel));
}

/** A short random id for one split run; it names the run's temporary files. */
export function newRunId(): string {
  return randomBytes(6).toString('hex');
}

/** The temporary name a run writes a file under before giving it its final name. */
export function partialName(finalPath: string, runId: string): string {
  return join(dirname(finalPath), `.${basename(finalPath)}.${runId}.partial`);
}

/**
 * Writes `bytes` to `finalPath` without ever replacing an existing file, and so that `finalPath`
 * either does not exist or holds all of `bytes` (a kill leaves at most the temporary file): the bytes
 * go to `tempPath` first, which is then hard-linked to the final name (failing with EEXIST if it is
 * taken) and removed. On file systems without hard links the temp file is renamed after checking
 * that the final name is free. `beforeLink` runs between the two steps (tests stop a run there).
 */
export async function createFileExclusive(
  finalPath: string,
  tempPath: string,
  bytes: Uint8Array | string,
  beforeLink?: () => void | Promise<void>,
) {
  await writeFile(tempPath, bytes, { flag: 'wx' });
  await beforeLink?.();
  try {
    await link(tempPath, finalPath);
  } catch (err) {
    if (isCode(err, 'EEXIST') || !(isCode(err, 'EPERM') || isCode(err, 'ENOTSUP') || isCode(err, 'ENOSYS'))) {
      await unlink(tempPath).catch(() => {});
      throw err;
    }
    if ((await lstatOrNull(finalPath)) !== null) {
      await unlink(tempPath).catch(() => {});
      throw Object.assign(new Error(`EEXIST: file already exists, '${finalPath}'`), { code: 'EEXIST' });
    }
    await rename(tempPath, finalPath);
    return;
  }
  await unlink(tempPath);
}

/** Replaces a file this package owns (the journal) atomically: write a temporary file, then rename it over. */
export async function replaceOwnFile(path: string, text: string) {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${newRunId()}.tmp`);
  await writeFile(temp, text, { flag: 'wx' });
  try {
    await rename(temp, path);
  } catch (err) {
    await unlink(temp).catch(() => {});
    throw err;
  }
}

/**
 * Runs `work` on every item with at most `concurrency` in flight. After the first failure no new item
 * starts; the ones in flight finish, then the first error is thrown. Nothing is undone (a failed run
 * is left as a kill would leave it, ready to resume or roll back).
 */
export async function runPool<T>(
  items: readonly T[],
  concurrency: number,
  work: (item: T, index: number) => Promise<void>,
) {
  let next = 0;
  let failure: { error: unknown } | null = null;
  const worker = async () => {
    while (failure === null && next < items.length) {
      const index = next++;
      try {
        await work(items[index], index);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
  if (failure !== null) throw (failure as { error: unknown }).error;
}
