import { lstat, mkdir, mkdtemp, readFile, readlink, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256 } from './fs-utils';
import { JOURNAL_NAME } from './journal';
import type { SplitManifest } from './manifest';
import { rollbackSplit } from './rollback';
import { splitDataset } from './split-dataset';
import { jpegBytes, makeFlatSource, makeFolderSource, snapshotTree } from './test-images';
import type { SplitProgress } from './types';

let root: string;
let kaggle: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'convkit-split-'));
  kaggle = join(root, 'kaggle');
  await makeFlatSource(kaggle, { cat: 30, dog: 25 });
  await writeFile(join(kaggle, 'sampleSubmission.csv'), 'id,label\n');
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const BOOK = { train: 10, validation: 5, test: 5 };
const names = (tree: Map<string, unknown>, prefix: string) =>
  [...tree.keys()].filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length));
const byNumber = (list: string[]) => list.map((n) => Number(n.split('.')[1])).sort((a, b) => a - b);

describe('splitDataset', () => {
  it("reproduces the book's split: first 10 to train, next 5 to validation, next 5 to test, by natural index", async () => {
    const destination = join(root, 'book');
    const result = await splitDataset({
      source: kaggle,
      destination,
      splits: BOOK,
      classes: { cat: 'cats', dog: 'dogs' },
      order: 'sorted',
      mode: 'copy',
    });
    expect(result).toMatchObject({ created: 40, skipped: 0, dryRun: false });
    const tree = await snapshotTree(destination);
    const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);
    expect(byNumber(names(tree, 'train/cats/'))).toEqual(range(0, 10));
    expect(byNumber(names(tree, 'validation/cats/'))).toEqual(range(10, 15));
    expect(byNumber(names(tree, 'test/cats/'))).toEqual(range(15, 20));
    expect(byNumber(names(tree, 'test/dogs/'))).toEqual(range(15, 20));
    expect(names(tree, 'train/cats/')).toContain('cat.0.jpg');
    // Copies are byte-identical to their sources.
    for (const [path, info] of tree) {
      if (!path.includes('/')) continue;
      expect(info.sha256).toBe(sha256(await readFile(join(kaggle, path.split('/')[2]))));
    }
    expect([...tree.keys()].filter((k) => !k.includes('/'))).toEqual([JOURNAL_NAME, 'split-manifest.json']);
    const journal = JSON.parse(await readFile(join(destination, JOURNAL_NAME), 'utf8'));
    expect(journal.state).toBe('complete');
  });

  it('writes a manifest listing every file with split, class, size and SHA-256', async () => {
    const destination = join(root, 'manifest');
    const manifestPath = join(root, 'manifest.json');
    await splitDataset({ source: kaggle, destination, splits: BOOK, seed: 3, manifest: manifestPath });
    const manifest: SplitManifest = JSON.parse(await readFile(manifestPath, 'utf8'));
    expect(manifest).toMatchObject({
      format: 'convkit-split-manifest',
      layout: 'flat',
      mode: 'copy',
      order: 'shuffle',
      seed: 3,
    });
    expect(manifest.files).toHaveLength(40);
    expect(manifest.classes.map((c) => [c.name, c.available, c.unused])).toEqual([
      ['cat', 30, 10],
      ['dog', 25, 5],
    ]);
    for (const f of manifest.files) {
      const bytes = await readFile(join(destination, f.destination));
      expect(f.sha256).toBe(sha256(bytes));
      expect(f.size).toBe(bytes.length);
      expect(f.destination).toBe(`${f.split}/${f.class}/${f.source}`);
      expect(f.source.startsWith(`${f.class}.`)).toBe(true);
    }
    expect(new Set(manifest.files.map((f) => f.source)).size).toBe(40);
    await expect(stat(join(destination, 'split-manifest.json'))).rejects.toThrow(/ENOENT/);
  });

  it('is stratified and reproducible from the seed, the same whatever order the files were created in', async () => {
    // The same images created in the opposite order (so the directory lists them differently).
    const reversed = join(root, 'kaggle-reversed');
    await mkdir(reversed);
    for (const cls of ['dog', 'cat']) {
      for (let i = (cls === 'cat' ? 30 : 25) - 1; i >= 0; i--) {
        await writeFile(join(reversed, `${cls}.${i}.jpg`), await readFile(join(kaggle, `${cls}.${i}.jpg`)));
      }
    }
    const run = async (source: string, seed: number, name: string) => {
      const destination = join(root, name);
      await splitDataset({ source, destination, splits: BOOK, seed, manifest: false });
      const tree = await snapshotTree(destination);
      tree.delete(JOURNAL_NAME);
      return [...tree].map(([path, info]) => `${path} ${info.sha256}`);
    };
    const a = await run(kaggle, 7, 'seed7a');
    const b = await run(reversed, 7, 'seed7b');
    const c = await run(kaggle, 8, 'seed8');
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
    const paths = a.map((line) => line.split(' ')[0]);
    for (const split of ['train', 'validation', 'test']) {
      for (const cls of ['cat', 'dog']) {
        expect(paths.filter((p) => p.startsWith(`${split}/${cls}/${cls}.`))).toHaveLength(
          BOOK[split as keyof typeof BOOK],
        );
      }
    }
    const files = paths.map((p) => p.split('/')[2]);
    expect(new Set(files).size).toBe(files.length);
    // Shuffled: not simply the first ten.
    expect(byNumber(names(new Map(paths.map((p) => [p, 0])), 'train/cat/'))).not.toEqual([
      0, 1, 2, 3, 4, 5, 6, 7, 8, 9,
    ]);
  });

  it('splits one-folder-per-class sources by fractions, keeping nested paths', async () => {
    const source = join(root, 'by-folder');
    await makeFolderSource(source, { cats: 10, dogs: 7 });
    await mkdir(join(source, 'dogs', 'puppies'));
    await writeFile(join(source, 'dogs', 'puppies', 'p.jpg'), jpegBytes('puppy'));
    const destination = join(root, 'by-folder-split');
    const result = await splitDataset({
      source,
      destination,
      splits: { train: 0.6, validation: 0.2, test: 0.2 },
      seed: 'fractions',
    });
    expect(result.plan.layout).toBe('folders');
    expect(
      result.plan.classes.map((c) => [c.name, c.counts.train, c.counts.validation, c.counts.test, c.unused]),
    ).toEqual([
      ['cats', 6, 2, 2, 0],
      ['dogs', 5, 1, 2, 0],
    ]);
    const tree = await snapshotTree(destination);
    expect([...tree.keys()].filter((k) => k.includes('/dogs/')).length).toBe(8);
    expect([...tree.keys()].some((k) => k.endsWith('dogs/puppies/p.jpg'))).toBe(true);
  });

  it('hard-links (same inode as the source) and symlinks (to the absolute source path)', async () => {
    const hard = join(root, 'hard');
    await splitDataset({
      source: kaggle,
      destination: hard,
      splits: { train: 2, test: 1 },
      order: 'sorted',
      mode: 'hardlink',
    });
    const [a, b] = await Promise.all([
      stat(join(hard, 'train/cat/cat.0.jpg')),
      stat(join(kaggle, 'cat.0.jpg')),
    ]);
    expect(a.ino).toBe(b.ino);
    await expect(stat(join(hard, 'validation'))).rejects.toThrow(/ENOENT/);

    const soft = join(root, 'soft');
    await splitDataset({
      source: kaggle,
      destination: soft,
      splits: { train: 2, test: 1 },
      order: 'sorted',
      mode: 'symlink',
    });
    const link = join(soft, 'test/dog/dog.2.jpg');
    expect((await lstat(link)).isSymbolicLink()).toBe(true);
    expect(await readlink(link)).toBe(join(kaggle, 'dog.2.jpg'));
    // A second run recognises links and hard links as already in place.
    const again = await splitDataset({
      source: kaggle,
      destination: soft,
      splits: { train: 2, test: 1 },
      order: 'sorted',
      mode: 'symlink',
    });
    expect(again).toMatchObject({ created: 0, skipped: 6 });
    expect(
      await splitDataset({
        source: kaggle,
        destination: hard,
        splits: { train: 2, test: 1 },
        order: 'sorted',
        mode: 'hardlink',
      }),
    ).toMatchObject({ created: 0, skipped: 6 });
  });

  it('dry run prints and returns the plan and writes nothing', async () => {
    const destination = join(root, 'dry');
    const lines: string[] = [];
    const result = await splitDataset({
      source: kaggle,
      destination,
      splits: BOOK,
      seed: 1,
      classes: ['dog'],
      dryRun: true,
      log: (line) => lines.push(line),
    });
    await expect(stat(destination)).rejects.toThrow(/ENOENT/);
    expect(result).toMatchObject({ dryRun: true, created: 0, skipped: 0 });
    expect(result.plan.files).toHaveLength(20);
    expect(
      result.plan.files.every(
        (f) => f.className === 'dog' && f.status === 'create' && f.sha256.length === 64,
      ),
    ).toBe(true);
    expect(result.plan.state).toBe('new');
    const text = lines.join('\n');
    expect(text).toContain(`Split plan: ${kaggle} -> ${destination}`);
    expect(text).toMatch(
      /flat layout, 1 class\(es\); per-class counts train 10, validation 5, test 5; shuffled \(seed 1\); mode copy/,
    );
    expect(text).toMatch(/dog\s+dog\s+25\s+10\s+5\s+5\s+5/);
    expect(text).toMatch(
      /20 file\(s\): 20 to copy, 0 already in place; 7 folder\(s\) to create; 1 non-image or hidden file\(s\) ignored/,
    );
  });

  it('a second full run is a no-op: nothing written, no file touched', async () => {
    const destination = join(root, 'twice');
    const options = { source: kaggle, destination, splits: BOOK, seed: 5 };
    const first = await splitDataset(options);
    const before = await snapshotTree(destination);
    const journalBefore = await stat(join(destination, JOURNAL_NAME));
    await new Promise((r) => setTimeout(r, 20));
    const second = await splitDataset(options);
    expect(second).toMatchObject({ created: 0, skipped: first.created });
    expect(second.plan.state).toBe('complete');
    expect(await snapshotTree(destination)).toEqual(before);
    expect((await stat(join(destination, JOURNAL_NAME))).mtimeMs).toBe(journalBefore.mtimeMs);
  });

  it('reports progress for both phases, 1..total', async () => {
    const events: SplitProgress[] = [];
    await splitDataset({
      source: kaggle,
      destination: join(root, 'progress'),
      splits: BOOK,
      seed: 2,
      onProgress: (p) => events.push(p),
    });
    for (const phase of ['check', 'write'] as const) {
      const of = events.filter((e) => e.phase === phase);
      expect(of.map((e) => e.done)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
      expect(of.every((e) => e.total === 40)).toBe(true);
    }
    expect(events.findIndex((e) => e.phase === 'write')).toBe(40);
  });

  it('skips a file that is already in place and never claims it as its own', async () => {
    const destination = join(root, 'prefilled');
    await mkdir(join(destination, 'train', 'cat'), { recursive: true });
    await writeFile(
      join(destination, 'train', 'cat', 'cat.0.jpg'),
      await readFile(join(kaggle, 'cat.0.jpg')),
    );
    const result = await splitDataset({ source: kaggle, destination, splits: BOOK, order: 'sorted' });
    expect(result).toMatchObject({ created: 39, skipped: 1 });
    const rollback = await rollbackSplit(destination);
    expect(rollback.removed).toHaveLength(40); // 39 files + the manifest
    expect(await snapshotTree(destination)).toEqual(
      new Map([
        [
          'train/cat/cat.0.jpg',
          expect.objectContaining({ sha256: sha256(await readFile(join(kaggle, 'cat.0.jpg'))) }),
        ],
      ]),
    );
  });
});
