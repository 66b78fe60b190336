import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataSplitError } from './errors';
import type { ExecuteHooks } from './execute';
import { JOURNAL_NAME } from './journal';
import { rollbackSplit } from './rollback';
import { runSplit, splitDataset } from './split-dataset';
import { makeFlatSource, snapshotTree } from './test-images';
import type { SplitDatasetOptions } from './types';

let root: string;
let kaggle: string;
let kaggleSnapshot: Awaited<ReturnType<typeof snapshotTree>>;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'convkit-split-resume-'));
  kaggle = join(root, 'kaggle');
  await makeFlatSource(kaggle, { cat: 40, dog: 40 });
  kaggleSnapshot = await snapshotTree(kaggle);
});
afterAll(async () => {
  // The source is never changed by a split, a resume or a rollback.
  expect(await snapshotTree(kaggle)).toEqual(kaggleSnapshot);
  await rm(root, { recursive: true, force: true });
});

const options = (destination: string, extra: Partial<SplitDatasetOptions> = {}): SplitDatasetOptions => ({
  source: kaggle,
  destination,
  splits: { train: 20, validation: 10, test: 10 },
  seed: 11,
  ...extra,
});

/** Hooks that throw (as a kill would stop the process) once `n` files have reached the given point. */
function failAfter(n: number, where: keyof ExecuteHooks): ExecuteHooks {
  let count = 0;
  return {
    [where]: () => {
      if (++count === n) throw new Error(`simulated kill after ${n} files`);
    },
  };
}

/** The destination's files as `path sha256` lines, and the manifest's file list (its root paths differ per destination). */
async function contents(destination: string) {
  const tree = await snapshotTree(destination);
  tree.delete(JOURNAL_NAME);
  tree.delete('split-manifest.json');
  const manifest = JSON.parse(await readFile(join(destination, 'split-manifest.json'), 'utf8'));
  return [...[...tree].map(([path, info]) => `${path} ${info.sha256}`), JSON.stringify(manifest.files)];
}

async function partials(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string) => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      if (e.isDirectory()) await walk(join(d, e.name));
      else if (e.name.endsWith('.partial')) out.push(e.name);
    }
  };
  await walk(dir);
  return out;
}

let reference: string[];
beforeAll(async () => {
  await splitDataset(options(join(root, 'reference')));
  reference = await contents(join(root, 'reference'));
});

describe('a split stopped midway', () => {
  it.each(['copy', 'hardlink', 'symlink'] as const)(
    'resumes (%s): a re-run finishes it, skipping what is in place',
    async (mode) => {
      const destination = join(root, `resume-${mode}`);
      const err = await runSplit(options(destination, { mode }), failAfter(25, 'afterFile')).catch((e) => e);
      expect(err.message).toBe('simulated kill after 25 files');
      const journal = JSON.parse(await readFile(join(destination, JOURNAL_NAME), 'utf8'));
      expect(journal.state).toBe('in-progress');
      expect(journal.entries).toHaveLength(80);
      expect(journal.entries.every((e: { owned: boolean }) => e.owned)).toBe(true);
      const halfway = (await snapshotTree(destination)).size - 1;
      expect(halfway).toBeGreaterThanOrEqual(25);
      expect(halfway).toBeLessThan(80);

      const resumed = await splitDataset(options(destination, { mode }));
      expect(resumed.plan.state).toBe('resume');
      expect(resumed.created + resumed.skipped).toBe(80);
      expect(resumed.skipped).toBe(halfway);
      if (mode !== 'symlink') expect(await contents(destination)).toEqual(reference);
      expect(JSON.parse(await readFile(join(destination, JOURNAL_NAME), 'utf8')).state).toBe('complete');
      expect(await splitDataset(options(destination, { mode }))).toMatchObject({ created: 0, skipped: 80 });
      // Files written before the stop and after the resume all belong to the run: a rollback removes them all.
      expect(await rollbackSplit(destination)).toMatchObject({ kept: [], journalRemoved: true });
      expect(existsSync(destination)).toBe(false);
    },
  );

  it('killed between writing a temporary file and naming it: the resume cleans up its own temporary file', async () => {
    const destination = join(root, 'resume-temp');
    await expect(runSplit(options(destination), failAfter(10, 'afterTemporaryWrite'))).rejects.toThrow(
      /simulated kill/,
    );
    expect((await partials(destination)).length).toBe(1);
    const plan = await splitDataset(options(destination, { dryRun: true, log: () => {} }));
    expect(plan.plan.staleTemporaryFiles).toHaveLength(1);
    await splitDataset(options(destination));
    expect(await partials(destination)).toEqual([]);
    expect(await contents(destination)).toEqual(reference);
  });

  it('rolls back: removes exactly what the run created, folders included, and nothing else', async () => {
    const parent = join(root, 'rollback-parent');
    const destination = join(parent, 'nested', 'out');
    await expect(runSplit(options(destination), failAfter(10, 'afterTemporaryWrite'))).rejects.toThrow(
      /simulated kill/,
    );
    // As a kill during a journal update would leave it:
    await writeFile(join(destination, `.${JOURNAL_NAME}.4242.0123456789ab.tmp`), '{"partial":');
    const dry = await rollbackSplit(destination, { dryRun: true, log: () => {} });
    expect(dry.removed.length).toBeGreaterThan(10);
    expect(await stat(join(destination, JOURNAL_NAME))).toBeTruthy();
    const result = await rollbackSplit(destination);
    expect(result.kept).toEqual([]);
    expect(result.journalRemoved).toBe(true);
    expect(result.removed.length).toBe(dry.removed.length);
    expect(result.removed.some((p) => p.endsWith('.partial'))).toBe(true);
    expect(result.removed.some((p) => p.endsWith('.4242.0123456789ab.tmp'))).toBe(true);
    // The run created parent/nested/out (parent/nested too): all gone again.
    expect(existsSync(join(root, 'rollback-parent'))).toBe(false);
  });

  it('rollback after a finished run keeps files it did not create, changed files, and their folders', async () => {
    const destination = join(root, 'rollback-kept');
    await mkdir(destination);
    await writeFile(join(destination, 'notes.txt'), 'mine');
    const done = await splitDataset(options(destination));
    const [first, second] = done.plan.files;
    await writeFile(join(destination, 'train', first.folder, 'extra.jpg'), 'also mine');
    await writeFile(second.destination, 'edited after the split');
    const result = await rollbackSplit(destination);
    expect(result.kept).toEqual([
      {
        path: second.destination,
        reason: expect.stringMatching(/holds different content.*changed after the split wrote it/),
      },
    ]);
    expect(result.removed).toHaveLength(80); // 79 files and the manifest
    expect(result.journalRemoved).toBe(false);
    expect(result.keptDirectories).toEqual([
      join(destination, 'train', first.folder),
      join(destination, 'train'),
    ]);
    expect([...(await snapshotTree(destination)).keys()].sort()).toEqual(
      [JOURNAL_NAME, 'notes.txt', `train/${first.folder}/extra.jpg`, second.destinationRelative].sort(),
    );
    // Once the user deals with the changed file, a second rollback finishes (and keeps their folder).
    await rm(second.destination);
    const again = await rollbackSplit(destination);
    expect(again).toMatchObject({ kept: [], journalRemoved: true, missing: 80 });
    expect([...(await snapshotTree(destination)).keys()]).toEqual([
      'notes.txt',
      `train/${first.folder}/extra.jpg`,
    ]);
  });

  it('rollback of a symlink split removes the links, never their targets', async () => {
    const destination = join(root, 'rollback-links');
    await expect(
      runSplit(options(destination, { mode: 'symlink' }), failAfter(30, 'afterFile')),
    ).rejects.toThrow();
    const result = await rollbackSplit(destination);
    expect(result.kept).toEqual([]);
    expect(existsSync(destination)).toBe(false);
    expect(await snapshotTree(kaggle)).toEqual(kaggleSnapshot);
  });

  it('stops on an abort signal and on an error thrown by onProgress, resumable either way', async () => {
    const destination = join(root, 'aborted');
    const controller = new AbortController();
    const err = await splitDataset(
      options(destination, {
        signal: controller.signal,
        onProgress: (p) => p.phase === 'write' && p.done === 15 && controller.abort(),
      }),
    ).catch((e) => e);
    expect(err).toBeInstanceOf(DataSplitError);
    expect(err.code).toBe('aborted');
    expect(err.message).toMatch(
      /stopped after \d+ of 80 files.*Run it again with the same options to resume/s,
    );

    const stop = new Error('user pressed ctrl-c');
    await expect(
      splitDataset(
        options(destination, {
          onProgress: (p) => {
            if (p.phase === 'write' && p.done === 40) throw stop;
          },
        }),
      ),
    ).rejects.toBe(stop);
    await splitDataset(options(destination));
    expect(await contents(destination)).toEqual(reference);
  });
});

const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url));
describe.skipIf(!existsSync(dist))('a split killed for real (SIGKILL, built package in dist/)', () => {
  it('is resumed by a re-run and can be rolled back', async () => {
    for (const action of ['resume', 'rollback'] as const) {
      const destination = join(root, `sigkill-${action}`);
      const script = `
        import { splitDataset } from ${JSON.stringify(dist)};
        await splitDataset({ ...${JSON.stringify(options(destination))}, concurrency: 4, onProgress(p) {
          if (p.phase === 'write' && p.done === 30) {
            process.stdout.write('kill me\\n');
            Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60000);
          }
        } });
        process.stdout.write('finished\\n');`;
      const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      const signal = await new Promise<string | null>((resolve) => {
        child.stdout.on('data', (d) => {
          if (String(d).includes('kill me')) child.kill('SIGKILL');
        });
        child.on('exit', (_code, sig) => resolve(sig));
      });
      expect(signal, stderr).toBe('SIGKILL');
      expect(JSON.parse(await readFile(join(destination, JOURNAL_NAME), 'utf8')).state).toBe('in-progress');
      if (action === 'resume') {
        const result = await splitDataset(options(destination));
        expect(result.skipped).toBeGreaterThanOrEqual(30);
        expect(await contents(destination)).toEqual(reference);
      } else {
        expect(await rollbackSplit(destination)).toMatchObject({ kept: [], journalRemoved: true });
        expect(existsSync(destination)).toBe(false);
      }
    }
  });
});
