import { link, lstat, mkdir, readFile, symlink, unlink } from 'node:fs/promises';
import { relative } from 'node:path';
import { DataSplitError } from './errors';
import { createFileExclusive, isCode, isInside, lstatOrNull, partialName, runPool, sha256 } from './fs-utils';
import { mismatchReason } from './in-place';
import { type Journal, readJournal, writeJournal } from './journal';
import type { PlannedFile, SplitPlan, SplitProgress } from './types';

/** Points where tests inject a failure, to leave the destination as a kill at that moment would. */
export interface ExecuteHooks {
  /** Copy mode: after a file's bytes are in its temporary file, before it gets its final name. */
  afterTemporaryWrite?(file: PlannedFile): void | Promise<void>;
  /** After a file is in place, before progress is reported. */
  afterFile?(file: PlannedFile): void | Promise<void>;
}

/** How the write phase runs. */
export interface ExecuteOptions {
  summary: string;
  concurrency: number;
  onProgress?: (progress: SplitProgress) => void;
  signal?: AbortSignal;
  hooks?: ExecuteHooks;
}

/**
 * Carries out a checked plan: creates the destination, writes the journal (atomically) listing every
 * file, folder and manifest the run owns, removes the run's own stale temporary files, puts each file
 * in place (never replacing an existing one), writes the manifest, and marks the journal complete.
 * A failure or kill at any point leaves a state that a re-run resumes and rollbackSplit undoes.
 */
export async function executePlan(
  plan: SplitPlan,
  options: ExecuteOptions,
): Promise<{ created: number; skipped: number }> {
  const total = plan.files.length;
  if (plan.state === 'complete') {
    for (const [i, f] of plan.files.entries()) {
      options.onProgress?.({ phase: 'write', done: i + 1, total, file: f.destinationRelative });
    }
    return { created: 0, skipped: total };
  }
  // The destination (and any missing parents) must exist before the journal can be written into it.
  const outside = plan.newDirectories.filter((d) => !isInside(d, plan.destination) || d === plan.destination);
  for (const dir of outside) await mkdir(dir);
  const journal = await buildJournal(plan, options.summary);
  await writeJournal(journal);
  for (const stale of plan.staleTemporaryFiles)
    await unlink(stale).catch((err) => (isCode(err, 'ENOENT') ? undefined : Promise.reject(err)));
  for (const dir of plan.newDirectories)
    if (!outside.includes(dir)) await mkdir(dir).catch(ignoreExistingFolder);

  let done = 0;
  let created = 0;
  let skipped = 0;
  await runPool(plan.files, options.concurrency, async (file) => {
    if (options.signal?.aborted) {
      throw new DataSplitError(
        'aborted',
        `The split was stopped after ${done} of ${total} files (the abort signal fired). Run it again with the same ` +
          `options to resume, or undo it with rollbackSplit('${plan.destination}').`,
      );
    }
    if (file.status === 'present' || !(await placeFile(plan, file, options.hooks))) skipped++;
    else created++;
    await options.hooks?.afterFile?.(file);
    options.onProgress?.({ phase: 'write', done: ++done, total, file: file.destinationRelative });
  });

  if (plan.manifest?.status === 'create') {
    const m = plan.manifest;
    try {
      await createFileExclusive(m.path, partialName(m.path, plan.runId), m.text);
    } catch (err) {
      if (!isCode(err, 'EEXIST')) throw err;
      const reason = await mismatchReason(
        { source: '(this split)', destination: m.path, size: Buffer.byteLength(m.text), sha256: m.sha256 },
        await lstat(m.path),
      );
      if (reason !== null) throw conflict(m.path, `appeared during the run and ${reason}`);
    }
  }
  journal.state = 'complete';
  await writeJournal(journal);
  return { created, skipped };
}

/** Puts one file in place; false when an identical file turned up there meanwhile. */
async function placeFile(
  plan: SplitPlan,
  file: PlannedFile,
  hooks: ExecuteHooks | undefined,
): Promise<boolean> {
  try {
    if (plan.mode === 'copy') {
      const bytes = await readFile(file.source);
      if (bytes.length !== file.size || sha256(bytes) !== file.sha256) {
        throw new DataSplitError(
          'changed',
          `${file.source} changed while the split was running (it no longer has the size and SHA-256 it had when ` +
            `checked). Undo the run with rollbackSplit('${plan.destination}') and split again.`,
        );
      }
      const beforeLink = hooks?.afterTemporaryWrite ? () => hooks.afterTemporaryWrite!(file) : undefined;
      await createFileExclusive(
        file.destination,
        partialName(file.destination, plan.runId),
        bytes,
        beforeLink,
      );
    } else if (plan.mode === 'hardlink') {
      await link(file.source, file.destination);
    } else {
      await symlink(file.source, file.destination);
    }
    return true;
  } catch (err) {
    if (!isCode(err, 'EEXIST')) throw err;
    const st = await lstatOrNull(file.destination);
    const reason = st === null ? 'vanished' : await mismatchReason(file, st);
    if (reason === null) return false;
    throw conflict(file.destination, `appeared during the run and ${reason}`);
  }
}

async function buildJournal(plan: SplitPlan, summary: string): Promise<Journal> {
  const previous = plan.state === 'new' ? null : await readJournal(plan.destination);
  if (plan.state !== 'new' && previous?.runId !== plan.runId) {
    throw new DataSplitError(
      'journal',
      `The split journal ${plan.journalPath} changed since the run was planned; run again.`,
    );
  }
  const owned = new Map(previous?.entries.map((e) => [e.destination, e.owned]) ?? []);
  const directories = new Set(previous?.createdDirectories ?? []);
  for (const dir of plan.newDirectories)
    directories.add(relative(plan.destination, dir).split('\\').join('/') || '.');
  const manifests = [...(previous?.manifests ?? [])];
  if (plan.manifest) {
    const m = plan.manifest;
    const same = manifests.find((r) => r.path === m.path);
    if (same && m.status === 'create') Object.assign(same, { sha256: m.sha256, owned: true });
    else manifests.push({ path: m.path, sha256: m.sha256, owned: m.status === 'create' });
  }
  return {
    format: 'convkit-split-journal',
    version: 1,
    runId: plan.runId,
    state: 'in-progress',
    source: plan.source,
    destination: plan.destination,
    mode: plan.mode,
    summary,
    createdDirectories: [...directories],
    manifests,
    entries: plan.files.map((f) => ({
      source: f.sourceRelative,
      destination: f.destinationRelative,
      split: f.split,
      folder: f.folder,
      size: f.size,
      sha256: f.sha256,
      owned: (owned.get(f.destinationRelative) ?? false) || f.status === 'create',
    })),
  };
}

function ignoreExistingFolder(err: unknown) {
  if (!isCode(err, 'EEXIST')) throw err;
}

function conflict(path: string, what: string): DataSplitError {
  return new DataSplitError(
    'conflict',
    `${path} ${what}; it was left untouched and the split stopped. Another program is writing into the destination; ` +
      'stop it, then run the split again to resume.',
  );
}
