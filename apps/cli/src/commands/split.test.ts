import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convkit, errorLines, tempDir } from '../testing/cli';

describe('convkit split', () => {
  const tmp = tempDir();
  const source = join(tmp.dir, 'kaggle');
  beforeAll(async () => {
    expect(
      (await convkit(['dataset', '--per-class', '10', '--size', '16', '--out', source, '--quiet'])).status,
    ).toBe(0);
  });
  afterAll(tmp.cleanup);

  it('splits a flat Kaggle folder into train/validation/test per class, seeded', async () => {
    const dest = join(tmp.dir, 'small');
    const r = await convkit([
      'split',
      source,
      dest,
      '--train',
      '5',
      '--validation',
      '3',
      '--test',
      '2',
      '--seed',
      '1',
      '--json',
    ]);
    expect(r.status).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result.created).toBe(20);
    expect(result.counts.cat).toEqual({ train: 5, validation: 3, test: 2 });
    expect(readdirSync(join(dest, 'train', 'dog'))).toHaveLength(5);
    expect(readdirSync(join(dest, 'test', 'cat'))).toHaveLength(2);
    // A second run is a no-op; --rollback undoes it.
    const again = JSON.parse(
      (
        await convkit([
          'split',
          source,
          dest,
          '--train',
          '5',
          '--validation',
          '3',
          '--test',
          '2',
          '--seed',
          '1',
          '--json',
        ])
      ).stdout,
    );
    expect(again).toMatchObject({ created: 0, skipped: 20 });
    expect((await convkit(['split', source, dest, '--rollback', '--quiet'])).status).toBe(0);
    expect(existsSync(join(dest, 'train'))).toBe(false);
  });

  it('--dry-run prints the plan and writes nothing', async () => {
    const dest = join(tmp.dir, 'dry');
    const r = await convkit([
      'split',
      source,
      dest,
      '--train',
      '5',
      '--validation',
      '3',
      '--test',
      '2',
      '--dry-run',
    ]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Split plan');
    expect(existsSync(join(dest, 'train'))).toBe(false);
  });

  it('a missing folder, too few images, or a bad option exits 2 with a clear message', async () => {
    const missing = await convkit(['split', join(tmp.dir, 'nope'), join(tmp.dir, 'x')]);
    expect(missing.status).toBe(2);
    expect(errorLines(missing.stderr)[0]).toMatch(/does not exist/);
    const few = await convkit(['split', source, join(tmp.dir, 'y'), '--train', '100']);
    expect(few.status).toBe(2);
    expect(few.stderr).toMatch(/too few images/);
    const mode = await convkit(['split', source, join(tmp.dir, 'z'), '--mode', 'move']);
    expect(mode.status).toBe(2);
    expect(errorLines(mode.stderr)).toEqual([
      `convkit: --mode must be 'copy', 'hardlink' or 'symlink', got 'move'.`,
    ]);
    expect((await convkit(['split'])).status).toBe(2);
  });
});
