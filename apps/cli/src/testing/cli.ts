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
