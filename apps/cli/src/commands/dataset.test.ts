import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { convkit, errorLines, tempDir } from '../testing/cli';

describe('convkit dataset', () => {
  const tmp = tempDir();
  afterAll(tmp.cleanup);

  it('writes JPEG files in Kaggle flat naming, the same bytes for the same seed', async () => {
    const a = join(tmp.dir, 'a');
    const r = await convkit([
      'dataset',
      '--per-class',
      '3',
      '--size',
      '32',
      '--seed',
      '5',
      '--out',
      a,
      '--json',
    ]);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ files: 6, size: 32, seed: 5, classes: ['cat', 'dog'] });
    expect(readdirSync(a).sort()).toEqual([
      'cat.0.jpg',
      'cat.1.jpg',
      'cat.2.jpg',
      'dog.0.jpg',
      'dog.1.jpg',
      'dog.2.jpg',
    ]);
    const jpeg = readFileSync(join(a, 'cat.0.jpg'));
    expect([jpeg[0], jpeg[1], jpeg[2]]).toEqual([0xff, 0xd8, 0xff]);
    const b = join(tmp.dir, 'b');
    expect(
      (await convkit(['dataset', '--per-class', '3', '--size', '32', '--seed', '5', '--out', b, '--quiet']))
        .status,
    ).toBe(0);
    expect(readFileSync(join(b, 'dog.2.jpg'))).toEqual(readFileSync(join(a, 'dog.2.jpg')));
  });

  it('does not clobber an existing folder without --force, and replaces it with --force', async () => {
    const out = join(tmp.dir, 'taken');
    await convkit(['dataset', '--per-class', '1', '--size', '16', '--out', out, '--quiet']);
    writeFileSync(join(out, 'mine.txt'), 'keep me');
    const r = await convkit(['dataset', '--per-class', '1', '--size', '16', '--out', out]);
    expect(r.status).toBe(2);
    expect(errorLines(r.stderr)).toEqual([
      expect.stringContaining('already exists and is not empty. Pass --force'),
    ]);
    expect(readFileSync(join(out, 'mine.txt'), 'utf8')).toBe('keep me');
    expect(
      (await convkit(['dataset', '--per-class', '1', '--size', '16', '--out', out, '--force', '--quiet']))
        .status,
    ).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['cat.0.jpg', 'dog.0.jpg']);
    expect(readdirSync(tmp.dir).filter((n) => n.startsWith('.'))).toEqual([]);
  });

  it('rejects bad numbers with exit code 2', async () => {
    for (const args of [
      ['--per-class', '0'],
      ['--size', '8'],
      ['--seed', '-1'],
    ]) {
      const r = await convkit(['dataset', ...args, '--out', join(tmp.dir, 'bad')]);
      expect(r.status).toBe(2);
      expect(errorLines(r.stderr)).toHaveLength(1);
    }
  });
});
