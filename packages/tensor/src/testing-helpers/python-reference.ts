// Test-only: runs Debian's /usr/bin/python3 (numpy, torch) as an independent reference.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const PYTHON = process.env.CONVKIT_TEST_PYTHON ?? '/usr/bin/python3';

/** Why the reference cannot run (a sentence), or undefined when `import numpy` works. */
export function pythonUnavailable(modules = ['numpy']): string | undefined {
  const r = spawnSync(PYTHON, ['-c', `import ${modules.join(', ')}`], { encoding: 'utf8' });
  if (r.error)
    return `${PYTHON} not found; install Debian's python3-numpy/python3-torch to run this reference check`;
  if (r.status !== 0)
    return `${PYTHON} cannot import ${modules.join(', ')}: ${r.stderr.trim().split('\n').pop()}`;
  return undefined;
}

/**
 * Runs `code` with the float32 arrays of `inputs` written to files: inside the script,
 * `inp(name)` reads one (flat float32), `out(name, array)` writes one back as float32.
 * Returns the arrays written by `out`.
 */
export function runPython(
  code: string,
  inputs: Record<string, Float32Array>,
  outputs: string[],
): Record<string, Float32Array> {
  const dir = mkdtempSync(join(tmpdir(), 'convkit-ref-'));
  try {
    for (const [name, data] of Object.entries(inputs)) writeFileSync(join(dir, `${name}.f32`), data);
    const prelude = `import numpy as np, os\nD=${JSON.stringify(dir)}\ndef inp(n): return np.fromfile(os.path.join(D, n + '.f32'), dtype=np.float32)\ndef out(n, a): np.asarray(a, dtype=np.float32).tofile(os.path.join(D, n + '.out'))\n`;
    const r = spawnSync(PYTHON, ['-c', prelude + code], { encoding: 'utf8', timeout: 120_000 });
    if (r.status !== 0) throw new Error(`Python reference failed: ${r.stderr || r.error}`);
    const result: Record<string, Float32Array> = {};
    for (const name of outputs) {
      const buf = readFileSync(join(dir, `${name}.out`));
      result[name] = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4).slice();
    }
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
