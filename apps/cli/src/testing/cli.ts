import { type SpawnSyncReturns, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The built binary the tests run (build first: `pnpm --filter @convkit/cli build`). */
export const BIN = fileURLToPath(new URL('../../dist/convkit.js', import.meta.url));

/** Runs `convkit ...args` to completion with the cpu backend unless --backend is given. */
export function convkit(
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    maxBuffer: 64 * 1024 * 1024,
  });
}

/** Runs `convkit ...args` in the background (for Ctrl-C tests). */
export function convkitAsync(args: string[], options: { cwd?: string } = {}) {
  return spawn(process.execPath, [BIN, ...args], { cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** A fresh temporary folder and a function that removes it. */
export function tempDir(prefix = 'convkit-cli-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The lines of stderr that are convkit's own error lines. */
export function errorLines(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l.startsWith('convkit:') && !l.startsWith('convkit: warning'));
}

/** Width and height from a PNG file's IHDR chunk, after checking the signature. */
export function pngSize(path: string): { width: number; height: number } {
  const b = readFileSync(path);
  const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (!signature.every((v, i) => b[i] === v) || b.toString('latin1', 12, 16) !== 'IHDR') {
    throw new Error(`${path} is not a PNG file`);
  }
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
}

/**
 * A small split data set (built-in images, 48x48, 8 train / 4 validation / 4 test per class)
 * and a model trained on it for one epoch (cats-dogs preset at quarter width), in `dir`.
 */
export function makeTrainedModel(dir: string): { data: string; run: string; model: string } {
  const flat = join(dir, 'kaggle');
  const data = join(dir, 'split');
  const run = join(dir, 'run');
  const steps: string[][] = [
    ['dataset', '--per-class', '16', '--size', '48', '--out', flat, '--seed', '1', '--quiet'],
    ['split', flat, data, '--train', '8', '--validation', '4', '--test', '4', '--seed', '1', '--quiet'],
    [
      'train',
      data,
      '--target-size',
      '48',
      '--width',
      '0.25',
      '--epochs',
      '1',
      '--batch-size',
      '8',
      '--out',
      run,
      '--backend',
      'wasm',
      '--seed',
      '1',
      '--quiet',
    ],
  ];
  for (const args of steps) {
    const r = convkit(args);
    if (r.status !== 0) throw new Error(`convkit ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  }
  return { data, run, model: join(run, 'model') };
}
