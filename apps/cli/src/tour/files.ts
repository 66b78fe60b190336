import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/** Every file under `dir` (relative, '/'-separated, sorted), skipping the data folder's images. */
export function listFiles(dir: string, { skip = ['data/kaggle/', 'data/split/'] } = {}): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      const r = relative(dir, path).split('\\').join('/');
      if (statSync(path).isDirectory()) {
        if (!skip.some((s) => `${r}/`.startsWith(s))) walk(path);
      } else out.push(r);
    }
  };
  walk(dir);
  return out.sort();
}
