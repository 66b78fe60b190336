import { chmod, mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataSplitError } from './errors';
import { JOURNAL_NAME } from './journal';
import { rollbackSplit } from './rollback';
import { splitDataset } from './split-dataset';
import { jpegBytes, makeFlatSource, snapshotTree } from './test-images';
import type { SplitDatasetOptions } from './types';

let root: string;
let kaggle: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'convkit-split-errors-'));
  kaggle = join(root, 'kaggle');
  await makeFlatSource(kaggle, { cat: 12, dog: 12 });
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const SPLITS = { train: 6, validation: 3, test: 3 };

/** Runs a split that must fail with `code` and a message matching `message`, and checks that nothing was written. */
async function expectRefused(options: Partial<SplitDatasetOptions>, code: string, message: RegExp) {
  const full = {
    source: kaggle,
    destination: join(root, 'out'),
    splits: SPLITS,
    seed: 1,
    ...options,
  } as SplitDatasetOptions;
  const watched = [full.destination, kaggle];
  const before = await Promise.all(watched.map(snapshotOrNull));
  const err = await splitDataset(full).then(
    () => null,
    (e) => e,
  );
  expect(err, 'the split should have failed').toBeInstanceOf(DataSplitError);
  expect(err.code).toBe(code);
  expect(err.message).toMatch(message);
  expect(await Promise.all(watched.map(snapshotOrNull))).toEqual(before);
  return err as DataSplitError;
}

async function snapshotOrNull(path: string) {
  const st = await stat(path).catch(() => null);
  if (st === null) return null;
  return st.isDirectory() ? snapshotTree(path) : readFile(path);
}

describe('splitDataset refuses before writing anything', () => {
  it.each([
    [{ seed: undefined }, /seed is required when order is 'shuffle'/],
    [{ mode: 'move' }, /mode must be one of copy, hardlink, symlink, got "move"/],
    [{ order: 'random' }, /order must be one of shuffle, sorted/],
    [{ layout: 'nested' }, /layout must be one of auto, flat, folders/],
    [{ splits: { training: 5 } }, /unknown split 'training'/],
    [{ source: '' }, /source must be a folder path/],
    [{ classes: [] }, /classes is empty/],
    [{ classes: { cat: 'a/b' } }, /maps 'cat' to "a\/b", which is not a plain folder name/],
    [{ classes: { cat: 'x', dog: 'x' } }, /two classes to the same folder 'x'/],
    [{ classes: ['cat', 'cow'] }, /classes names 'cow', not found in .* The classes found are: 'cat', 'dog'/],
    [{ concurrency: 0 }, /concurrency must be a whole number >= 1/],
    [{ manifest: 7 }, /manifest must be a file path, true or false/],
  ])('bad option %j', async (options, message) => {
    await expectRefused(options as Partial<SplitDatasetOptions>, 'bad-option', message);
  });

  it('a missing source, or a file given as source', async () => {
    await expectRefused({ source: join(root, 'nope') }, 'source', /The source folder .*nope does not exist/);
    await expectRefused({ source: join(kaggle, 'cat.0.jpg') }, 'source', /is a file, not a folder of images/);
  });

  it('an unknown layout', async () => {
    const mixed = join(root, 'mixed');
    await makeFlatSource(mixed, { cat: 3 });
    await mkdir(join(mixed, 'dogs'));
    await expectRefused({ source: mixed }, 'layout', /fits neither layout/);
  });

  it('a class with too few images, naming every such class', async () => {
    const err = await expectRefused(
      { splits: { train: 10, validation: 3, test: 3 } },
      'too-few',
      /some classes have too few images/,
    );
    expect(err.problems).toEqual([
      "class 'cat' has 12 image(s) but the splits ask for 16 (train 10 + validation 3 + test 3)",
      "class 'dog' has 12 image(s) but the splits ask for 16 (train 10 + validation 3 + test 3)",
    ]);
  });

  it('unreadable images: empty, truncated, not an image; each named', async () => {
    const source = join(root, 'broken');
    await makeFlatSource(source, { cat: 8 });
    await writeFile(join(source, 'cat.2.jpg'), new Uint8Array(0));
    await writeFile(join(source, 'cat.3.jpg'), jpegBytes('cut', 3000).subarray(0, 2000));
    await writeFile(join(source, 'cat.4.jpg'), 'this is text');
    const err = await expectRefused(
      { source, splits: { train: 8 }, order: 'sorted' },
      'unreadable',
      /3 of the 8 chosen image\(s\) are not readable images/,
    );
    expect(err.problems).toEqual([
      `${join(source, 'cat.2.jpg')}: empty file (0 bytes)`,
      expect.stringMatching(
        /cat\.3\.jpg: JPEG is truncated: a segment ends at byte \d+ but the file has 2000 bytes$/,
      ),
      `${join(source, 'cat.4.jpg')}: not a JPEG, PNG, GIF, BMP or WebP image (first bytes: 74 68 69 73 20 69 73 20)`,
    ]);
    // Images that are not chosen are never read, so a broken one left out does not matter.
    await expect(
      splitDataset({ source, destination: join(root, 'broken-ok'), splits: { train: 2 }, order: 'sorted' }),
    ).resolves.toMatchObject({ created: 2 });
  });

  it.skipIf(process.getuid?.() === 0)('a file that cannot be read (permissions)', async () => {
    const source = join(root, 'locked');
    await makeFlatSource(source, { cat: 2 });
    await chmod(join(source, 'cat.1.jpg'), 0);
    await expectRefused(
      { source, splits: { train: 2 } },
      'unreadable',
      /cat\.1\.jpg: cannot be read \(EACCES/,
    );
  });

  it('a destination inside the source, equal to it, or reaching it through a link', async () => {
    await expectRefused(
      { destination: join(kaggle, 'split') },
      'destination-inside-source',
      /lies inside the source/,
    );
    await expectRefused({ destination: kaggle }, 'destination-inside-source', /lies inside the source/);
    await symlink(kaggle, join(root, 'alias'));
    await expectRefused(
      { destination: join(root, 'alias', 'out') },
      'destination-inside-source',
      /lies inside the source .* \(it resolves to /,
    );
    await expectRefused(
      { manifest: join(kaggle, 'm.json') },
      'destination-inside-source',
      /manifest path .* lies inside the source/,
    );
  });

  it("a source inside the destination's split folders", async () => {
    const dest = join(root, 'outer');
    await makeFlatSource(join(dest, 'train', 'raw'), { cat: 12, dog: 12 });
    await expectRefused(
      { source: join(dest, 'train', 'raw'), destination: dest },
      'destination-inside-source',
      /inside the destination's train\/ folder/,
    );
  });

  it('an existing file with other content where a split file would go, and a file where a folder would go', async () => {
    const destination = join(root, 'occupied');
    await mkdir(join(destination, 'train', 'cat'), { recursive: true });
    await writeFile(join(destination, 'train', 'cat', 'cat.3.jpg'), 'my own notes');
    await writeFile(join(destination, 'test'), 'a file called test');
    const err = await expectRefused(
      { destination, order: 'sorted' },
      'conflict',
      /never overwrites or deletes a file it did not create/,
    );
    expect(err.problems).toEqual([
      `${join(destination, 'test')} is a file, where the split needs a folder`,
      expect.stringMatching(
        /train\/cat\/cat\.3\.jpg holds different content \(12 bytes; .*cat\.3\.jpg has \d+\); it would be the train copy of cat\.3\.jpg/,
      ),
    ]);
  });

  it('a destination that is a file, and an existing manifest with other content', async () => {
    await writeFile(join(root, 'afile'), 'x');
    await expectRefused({ destination: join(root, 'afile') }, 'conflict', /exists and is not a folder/);
    const destination = join(root, 'has-manifest');
    await mkdir(destination);
    await writeFile(join(destination, 'split-manifest.json'), '{}');
    await expectRefused(
      { destination },
      'conflict',
      /split-manifest.json \(the manifest\) already exists and holds different content/,
    );
  });

  it('a destination holding a different earlier split (other seed), or an unreadable journal', async () => {
    const destination = join(root, 'earlier');
    await splitDataset({ source: kaggle, destination, splits: SPLITS, seed: 1 });
    const err = await expectRefused(
      { destination, seed: 2 },
      'journal',
      /holds a split from an earlier run \(flat layout, counts train 6, validation 3, test 3, shuffled with seed 1, mode copy\) that differs from this one \(.*seed 2.*\)/,
    );
    expect(err.message).toMatch(/undo it with rollbackSplit/);
    expect(err.problems.length).toBeGreaterThan(0);
    await expectRefused(
      { destination, seed: 1, mode: 'symlink' },
      'journal',
      /mode: copy before, symlink now/,
    );

    const broken = join(root, 'broken-journal');
    await mkdir(broken);
    await writeFile(join(broken, JOURNAL_NAME), '{"format":');
    await expectRefused({ destination: broken }, 'journal', /is not valid JSON/);
    await writeFile(join(broken, JOURNAL_NAME), '{"hello":1}');
    await expectRefused({ destination: broken }, 'journal', /is not a convkit split journal/);
  });

  it('a source image that changed since the earlier run', async () => {
    const source = join(root, 'changing');
    await makeFlatSource(source, { cat: 4 });
    const destination = join(root, 'changing-out');
    await splitDataset({ source, destination, splits: { train: 4 }, order: 'sorted' });
    await writeFile(join(source, 'cat.1.jpg'), jpegBytes('new content'));
    const err = await expectRefused(
      { source, destination, splits: { train: 4 }, order: 'sorted' },
      'journal',
      /differs from this one/,
    );
    expect(err.problems).toEqual(['train/cat/cat.1.jpg: its source cat.1.jpg has changed']);
  });

  it('rollback without a journal removes nothing', async () => {
    const dir = join(root, 'no-journal');
    await mkdir(dir);
    await writeFile(join(dir, 'keep.txt'), 'x');
    await expect(rollbackSplit(dir)).rejects.toThrow(/no split journal .* nothing was removed/);
    expect(await readFile(join(dir, 'keep.txt'), 'utf8')).toBe('x');
  });
});
