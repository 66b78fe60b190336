import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** Debian's python3 (with PIL, numpy, scipy, keras_preprocessing), not the pyenv python3 on PATH. */
export const PYTHON = process.env.CONVKIT_PYTHON ?? '/usr/bin/python3';

/** Why `modules` cannot be imported by PYTHON, or undefined when they all can. */
export function pythonMissing(modules: string[]): string | undefined {
  if (!existsSync(PYTHON)) return `${PYTHON} not found`;
  const r = spawnSync(PYTHON, ['-c', modules.map((m) => `import ${m}`).join('; ')], { encoding: 'utf8' });
  return r.status === 0
    ? undefined
    : `${PYTHON} cannot import ${modules.join(', ')}: ${r.stderr.trim().split('\n').pop()}`;
}

/** Runs a Python snippet (with `args` as sys.argv[1:]) and returns the JSON value it prints on its last line. */
export function runPython<T>(code: string, { args = [] as string[], timeoutMs = 120_000 } = {}): T {
  const r = spawnSync(PYTHON, ['-c', code, ...args], {
    encoding: 'utf8',
    timeout: timeoutMs,
    maxBuffer: 256 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`python reference failed: ${r.stderr || r.error}`);
  const lines = r.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]) as T;
}

/** Photos shipped by Debian's python3-skimage. */
export const SKIMAGE_DATA = '/usr/lib/python3/dist-packages/skimage/data';
