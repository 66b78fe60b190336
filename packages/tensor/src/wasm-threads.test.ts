import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { ConvkitUsageError } from './errors';
import { initBackend } from './init-backend';
import { threadsFromEnv, threadsPerCore, wasmThreading } from './wasm-threads';

const packageRoot = fileURLToPath(new URL('..', import.meta.url));

/** Runs a script in a fresh node process (tsx loads the TypeScript sources) and returns what it printed. */
function runNode(script: string, env: Record<string, string> = {}, timeout = 60_000) {
  return spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: packageRoot,
    encoding: 'utf8',
    timeout,
    env: { ...process.env, ...env },
  });
}

describe("initBackend('wasm', { threads })", () => {
  it('starts the threaded SIMD build on worker_threads and computes what cpu computes', async () => {
    const info = await initBackend('wasm', { threads: 2 });
    expect(wasmThreading()).toEqual({ threads: 2, build: 'threaded-simd' });
    expect(info.flags).toMatchObject({ threads: true, threadsCount: 2 });
    expect(info.summary).toContain('threadsCount=2');
    const x = tf.randomNormal([2, 12, 12, 8], 0, 1, 'float32', 1) as tf.Tensor4D;
    const k = tf.randomNormal([3, 3, 8, 16], 0, 1, 'float32', 2) as tf.Tensor4D;
    const onWasm = await tf.conv2d(x, k, 1, 'same').data();
    await initBackend('cpu');
    const onCpu = await tf.conv2d(x, k, 1, 'same').data();
    let worst = 0;
    for (let i = 0; i < onCpu.length; i++) worst = Math.max(worst, Math.abs(onWasm[i] - onCpu[i]));
    expect(worst).toBeLessThan(1e-3);
    tf.dispose([x, k]);
  });

  it('keeps the thread count fixed once chosen, and says so', async () => {
    await expect(initBackend('wasm', { threads: 3 })).rejects.toThrow(
      /already set up with 2 thread\(s\); the thread count is fixed once per process/,
    );
    await expect(initBackend('wasm', { threads: 3 })).rejects.toBeInstanceOf(ConvkitUsageError);
    // Without a count it keeps the running one.
    expect((await initBackend('wasm')).flags.threadsCount).toBe(2);
  });

  it('rejects a thread count outside 1..8', async () => {
    await expect(initBackend('wasm', { threads: 0 })).rejects.toThrow(
      /threads must be an integer from 1 to 8, got 0/,
    );
    await expect(initBackend('wasm', { threads: 2.5 })).rejects.toThrow(/got 2.5/);
  });

  it('counts the logical CPUs per core from Linux sibling lists', () => {
    expect(threadsPerCore('0\n')).toBe(1);
    expect(threadsPerCore('0,64\n')).toBe(2);
    expect(threadsPerCore('0-1')).toBe(2);
    expect(threadsPerCore('0-3,8-11')).toBe(8);
    expect(threadsPerCore(undefined)).toBeUndefined();
    expect(threadsPerCore('')).toBeUndefined();
    expect(threadsPerCore('cpu0')).toBeUndefined();
  });

  it('reads CONVKIT_WASM_THREADS and names the variable when it is wrong', () => {
    expect(threadsFromEnv(undefined)).toBeUndefined();
    expect(threadsFromEnv('')).toBeUndefined();
    expect(threadsFromEnv('3')).toBe(3);
    expect(() => threadsFromEnv('lots')).toThrow(
      /CONVKIT_WASM_THREADS=lots: expected an integer from 1 to 8/,
    );
    expect(() => threadsFromEnv('9')).toThrow(ConvkitUsageError);
  });

  it('lets node exit when the program is done (the thread pool does not hold it)', () => {
    const started = Date.now();
    // The thread count comes from the environment here (the default path).
    const run = runNode(
      `
      import * as tf from '@tensorflow/tfjs-core';
      import { initBackend } from './src/index.ts';
      const info = await initBackend('wasm');
      const y = tf.conv2d(tf.ones([1, 16, 16, 4]), tf.ones([3, 3, 4, 8]), 1, 'valid');
      console.log(JSON.stringify({ threads: info.flags.threadsCount, first: (await y.data())[0] }));
    `,
      { CONVKIT_WASM_THREADS: '2' },
    );
    expect(run.error, run.stderr).toBeUndefined();
    expect(run.status, run.stderr).toBe(0);
    const last = run.stdout.trim().split('\n').at(-1) ?? '';
    expect(JSON.parse(last)).toEqual({ threads: 2, first: 36 });
    expect(Date.now() - started).toBeLessThan(60_000);
  });
});
