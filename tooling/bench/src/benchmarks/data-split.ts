import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// The bench has no package dependency on data-split; it runs the package's source through tsx.
import { splitDataset } from '../../../../packages/data-split/src/index';
import type { Benchmark, Measurement } from '../harness';

const PER_CLASS = 2000;
const SPLITS = { train: 1000, validation: 500, test: 500 };
const FILE_BYTES = 22_000; // Kaggle's Dogs vs. Cats: 543 MB for 25,000 JPEGs
const FILES = 2 * (SPLITS.train + SPLITS.validation + SPLITS.test);
const REPEATS = 3;

// A valid 2x2 baseline JPEG; each file gets a unique COM segment padding it to FILE_BYTES.
const JPEG = Buffer.from(
  '/9j/2wBDAAMCAgMCAgMDAwMEAwMEBQgFBQQEBQoHBwYIDAoMDAsKCwsNDhIQDQ4RDgsLEBYQERMUFRUVDA8XGBYUGBIUFRT/2wBDAQMEBAUEBQkFBQkUDQsNFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBT/wAARCAACAAIDASIAAhEBAxEB/8QAFQABAQAAAAAAAAAAAAAAAAAAAAj/xAAcEAACAgMBAQAAAAAAAAAAAAABBAIDAAUHBhH/xAAVAQEBAAAAAAAAAAAAAAAAAAAHCf/EAB8RAAAEBwEAAAAAAAAAAAAAAAABAgUDBDQ1cnOxsv/aAAwDAQACEQMRAD8Aq/gPldK/wjnDLOnQYZu83rbLbrVYSnZMq1kykSPpJJJJOMYyfr1c5rYv0YHHGtjZK6Y//9k=',
  'base64',
);

function photo(tag: string): Buffer {
  const text = Buffer.from(tag.padEnd(FILE_BYTES - JPEG.length - 4, '.'));
  const length = text.length + 2;
  return Buffer.concat([
    JPEG.subarray(0, 2),
    Buffer.from([0xff, 0xfe, length >> 8, length & 0xff]),
    text,
    JPEG.subarray(2),
  ]);
}

async function timed<T>(work: () => Promise<T>): Promise<{ seconds: number; value: T }> {
  const start = performance.now();
  const value = await work();
  return { seconds: (performance.now() - start) / 1000, value };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** The book's shutil.copyfile loop over the same files, for scale (no checks, no hashes, no journal). */
function pythonCopy(source: string, destination: string): number | string {
  const code = `
import os, shutil, time, json
src, base = ${JSON.stringify(source)}, ${JSON.stringify(destination)}
start = time.time()
for split, lo, hi in (('train', 0, ${SPLITS.train}), ('validation', ${SPLITS.train}, ${SPLITS.train + SPLITS.validation}), ('test', ${SPLITS.train + SPLITS.validation}, ${PER_CLASS})):
    for cls in ('cat', 'dog'):
        d = os.path.join(base, split, cls); os.makedirs(d)
        for i in range(lo, hi):
            f = f'{cls}.{i}.jpg'; shutil.copyfile(os.path.join(src, f), os.path.join(d, f))
print(json.dumps({"seconds": time.time() - start}))`;
  const r = spawnSync('/usr/bin/python3', ['-c', code], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return `python3 copy loop failed: ${r.stderr || r.error}`;
  const lines = r.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]).seconds;
}

/** data-split on a Kaggle-like flat folder: 4,000 files split 1000/500/500 per class, then a second (no-op) run. */
export const dataSplit: Benchmark = {
  name: 'data-split',
  description: `split ${FILES} Kaggle-style JPEGs (~${FILE_BYTES / 1000} kB) 1000/500/500 per class; files/s; second run is a no-op`,
  async run() {
    const root = await mkdtemp(join(tmpdir(), 'convkit-bench-split-'));
    try {
      const source = join(root, 'kaggle');
      await mkdir(source);
      for (const cls of ['cat', 'dog']) {
        for (let i = 0; i < PER_CLASS; i++)
          await writeFile(join(source, `${cls}.${i}.jpg`), photo(`${cls}.${i}`));
      }
      const measurements: Measurement[] = [];
      const notes: string[] = [];
      let secondRun = '';
      for (const mode of ['copy', 'hardlink', 'symlink'] as const) {
        const times: number[] = [];
        for (let r = 0; r < (mode === 'copy' ? REPEATS : 1); r++) {
          const destination = join(root, `${mode}-${r}`);
          const options = { source, destination, splits: SPLITS, seed: 1, mode };
          const first = await timed(() => splitDataset(options));
          if (first.value.created !== FILES)
            throw new Error(`expected ${FILES} files written, got ${first.value.created}`);
          times.push(first.seconds);
          if (mode === 'copy' && r === 0) {
            const journal = join(destination, '.convkit-split-journal.json');
            const before = (await stat(journal)).mtimeMs;
            const second = await timed(() => splitDataset(options));
            const untouched = (await stat(journal)).mtimeMs === before;
            measurements.push({
              label: 'data-split second run (no-op)',
              perSecond: FILES / second.seconds,
              unit: 'files/s',
              note: `${second.seconds.toFixed(2)} s; wrote ${second.value.created}, skipped ${second.value.skipped}; journal untouched: ${untouched}`,
            });
            secondRun =
              second.value.created === 0 && second.value.skipped === FILES && untouched ? 'yes' : 'NO';
          }
          await rm(destination, { recursive: true, force: true });
        }
        measurements.push({
          label: `data-split ${mode}`,
          perSecond: FILES / median(times),
          unit: 'files/s',
          note: `median of ${times.length}: ${median(times).toFixed(2)} s incl. reading + SHA-256 + image checks, journal, manifest`,
        });
      }
      const py = pythonCopy(source, join(root, 'python'));
      if (typeof py === 'string') notes.push(`book's Python loop skipped: ${py}`);
      else
        measurements.push({
          label: "book's shutil.copyfile loop",
          perSecond: FILES / py,
          unit: 'files/s',
          note: `${py.toFixed(2)} s, no checks`,
        });
      notes.push(`second run is a no-op: ${secondRun}`);
      notes.push('files are in the page cache (just written), so this measures the work, not the disk');
      return {
        measurements,
        ratios: [
          { of: 'data-split copy', over: "book's shutil.copyfile loop" },
          { of: 'data-split second run (no-op)', over: 'data-split copy' },
        ],
        notes,
      };
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  },
};
