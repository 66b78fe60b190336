import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * Some measurements run in a fresh node process (importing tfjs-layers changes every kernel's
 * gradient; a wasm thread count is fixed per process). The child is this same program started
 * again with a flag that names the task, such as `--tfjs-layers-child`.
 */
const CHILD_FLAG_SUFFIX = '-child';

/** The flag and argument a child was started with, when this process is one; else undefined. */
export function childTask(flag: string): string | undefined {
  return process.argv[2] === flag ? process.argv[3] : undefined;
}

/** True in a child process started by `runChild` (the bench's own main then does nothing). */
export function isChildRun(): boolean {
  const flag = process.argv[2];
  return flag?.startsWith('--') === true && flag.endsWith(CHILD_FLAG_SUFFIX);
}

/**
 * Runs the file at `moduleUrl` (a module's import.meta.url) in a new node process with
 * `flag arg`, and returns its last stdout line parsed as JSON. Sources run through tsx; a
 * bundle (the device pack, see tooling/bench/device) runs as it is.
 */
export function runChild<T>(
  moduleUrl: string,
  flag: string,
  arg: string,
  timeoutMs: number,
): { ok: true; value: T } | { ok: false; why: string } {
  if (!flag.endsWith(CHILD_FLAG_SUFFIX))
    throw new Error(`child flag ${flag} must end in ${CHILD_FLAG_SUFFIX}`);
  const file = fileURLToPath(moduleUrl);
  const loader = file.endsWith('.ts') ? ['--import', 'tsx'] : [];
  const r = spawnSync(process.execPath, [...loader, file, flag, arg], {
    encoding: 'utf8',
    timeout: timeoutMs,
  });
  const last = r.stdout?.trim().split('\n').pop() ?? '';
  if (r.status !== 0 || !last.startsWith('{')) {
    const why = (r.stderr || String(r.error ?? '')).trim().split('\n').slice(-3).join(' ');
    return { ok: false, why: why || `exit status ${r.status}` };
  }
  return { ok: true, value: JSON.parse(last) as T };
}
