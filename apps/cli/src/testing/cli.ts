import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The built binary the tests run (build first: `pnpm --filter @convkit/cli build`). */
export const BIN = fileURLToPath(new URL('../../dist/convkit.js', import.meta.url));

/** What a finished `convkit` run gave: exit status and its output. */
export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `convkit ...args` to completion. Asynchronous, so the test worker's event loop stays
 * free while the binary trains (a blocked worker misses vitest's heartbeats).
 */
export function convkit(
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
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
export async function makeTrainedModel(dir: string): Promise<{ data: string; run: string; model: string }> {
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
    const r = await convkit(args);
    if (r.status !== 0) throw new Error(`convkit ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  }
  return { data, run, model: join(run, 'model') };
}
