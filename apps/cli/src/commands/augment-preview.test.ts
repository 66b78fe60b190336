import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convkit, errorLines, pngSize, tempDir } from '../testing/cli';

describe('convkit augment-preview', () => {
  const tmp = tempDir();
  const data = join(tmp.dir, 'data');
  beforeAll(async () => {
    expect(
      (await convkit(['dataset', '--per-class', '1', '--size', '48', '--out', data, '--quiet'])).status,
    ).toBe(0);
  });
  afterAll(tmp.cleanup);

  it('writes a grid of augmented versions, the same for the same seed', async () => {
    const a = join(tmp.dir, 'a.png');
    const args = [
      'augment-preview',
      join(data, 'cat.0.jpg'),
      '--target-size',
      '40',
      '--count',
      '6',
      '--columns',
      '3',
    ];
    const r = await convkit([...args, '--seed', '2', '--out', a, '--backend', 'cpu', '--json']);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ width: 3 * 40 + 2 * 4, height: 2 * 40 + 4, count: 6 });
    expect(pngSize(a)).toEqual({ width: 128, height: 84 });
    const b = join(tmp.dir, 'b.png');
    expect((await convkit([...args, '--seed', '2', '--out', b, '--backend', 'cpu', '--quiet'])).status).toBe(
      0,
    );
    expect(readFileSync(b)).toEqual(readFileSync(a));
  });

  it('refuses to replace a file without --force, a missing image, a non-image and bad ranges (exit 2)', async () => {
    const taken = join(tmp.dir, 'taken.png');
    writeFileSync(taken, 'mine');
    const cases: [string[], RegExp][] = [
      [[join(data, 'cat.0.jpg'), '--out', taken], /already exists/],
      [[join(tmp.dir, 'missing.jpg'), '--out', join(tmp.dir, 'x.png')], /does not exist/],
      [[taken, '--out', join(tmp.dir, 'y.png')], /taken\.png/],
      [
        [join(data, 'cat.0.jpg'), '--zoom-range', '2', '--out', join(tmp.dir, 'z.png')],
        /--zoom-range must be/,
      ],
      [[join(data, 'cat.0.jpg'), '--target-size', '0', '--out', join(tmp.dir, 'z.png')], /--target-size/],
    ];
    for (const [args, message] of cases) {
      const r = await convkit(['augment-preview', ...args, '--backend', 'cpu']);
      expect(r.status, r.stderr).toBe(2);
      expect(errorLines(r.stderr)[0]).toMatch(message);
    }
    expect(readFileSync(taken, 'utf8')).toBe('mine');
  });
});
