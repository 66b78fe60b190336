import * as tf from '@tensorflow/tfjs-core';
import { ConvkitUsageError } from './errors';
import { importOptional, isNode } from './runtime';

/** Options for the wasm backend, given to `initBackend('wasm', { threads })`. */
export interface WasmOptions {
  /**
   * Threads XNNPACK may use (1 to 8). In node the default is $CONVKIT_WASM_THREADS if set,
   * else one per physical core (at least 1, at most 8); more than 1 uses tfjs-backend-wasm's
   * threaded SIMD build on worker_threads, 1 the single-threaded SIMD build. In a browser the default is tfjs's own choice (threads only on
   * cross-origin-isolated pages). Fixed once the wasm backend has started in a process.
   */
  threads?: number;
}

/** What the wasm backend runs with, once started. */
export interface WasmThreading {
  /** Threads XNNPACK uses (1 when single-threaded). */
  threads: number;
  /** Which build runs: 'threaded-simd' (worker_threads / web workers) or tfjs's own choice. */
  build: 'threaded-simd' | 'default';
  /** Why the threaded build did not start, when it was asked for and fell back to one thread. */
  fallbackReason?: string;
}

type WasmPackage = typeof import('@tensorflow/tfjs-backend-wasm');
type BackendFactory = () => tf.KernelBackend | Promise<tf.KernelBackend>;
type EmscriptenModule = {
  cwrap(name: string, ret: string | null, args: string[]): (...a: number[]) => unknown;
  [key: string]: unknown;
};

/** Threads tfjs-backend-wasm's threaded build pre-creates workers for (PTHREAD_POOL_SIZE). */
const MAX_THREADS = 8;
const WASM_PRIORITY = 2;
const START_TIMEOUT_MS = 60_000;

let configured: { threads: number; build: WasmThreading['build'] } | undefined;
let fallbackReason: string | undefined;

/** How the wasm backend runs (threads, build), or undefined before `initBackend('wasm')`. */
export function wasmThreading(): WasmThreading | undefined {
  if (!configured) return undefined;
  const actual = runningThreads();
  const fellBack = fallbackReason !== undefined;
  return {
    threads: actual ?? (fellBack ? 1 : configured.threads),
    build: fellBack ? 'default' : configured.build,
    ...(fellBack ? { fallbackReason } : {}),
  };
}

/** Threads of the running wasm backend's XNNPACK pool, if it has started. */
function runningThreads(): number | undefined {
  const backend = tf.findBackend('wasm') as { wasm?: { tfjs?: { getThreadsCount(): number } } } | null;
  const n = backend?.wasm?.tfjs?.getThreadsCount();
  return typeof n === 'number' && n > 0 ? n : undefined;
}

/**
 * Chooses the wasm build and thread count before the backend starts. In node with more than
 * one thread it registers a factory that starts tfjs-backend-wasm's threaded SIMD build on
 * worker_threads (tfjs itself never does in node); if that fails, it starts the single-threaded
 * build and records why (see `wasmThreading().fallbackReason`).
 */
export async function configureWasmThreads(m: WasmPackage, options: WasmOptions = {}): Promise<void> {
  const { threads } = options;
  if (threads !== undefined && !(Number.isInteger(threads) && threads >= 1 && threads <= MAX_THREADS)) {
    throw new ConvkitUsageError(
      `initBackend('wasm', { threads }): threads must be an integer from 1 to ${MAX_THREADS}, got ${threads}.`,
    );
  }
  if (!configured && tf.findBackend('wasm')) {
    // Started before convkit could choose (tf.setBackend('wasm') called directly).
    configured = { threads: runningThreads() ?? 1, build: 'default' };
  }
  if (configured) {
    if (threads !== undefined && threads !== configured.threads) {
      throw new ConvkitUsageError(
        `The wasm backend is already set up with ${configured.threads} thread(s); the thread count is fixed once per process. Pass { threads: ${threads} } on the first initBackend('wasm') call.`,
      );
    }
    return;
  }
  if (!isNode) {
    if (threads !== undefined) m.setThreadsCount(threads);
    configured = { threads: threads ?? 1, build: 'default' };
    return;
  }
  const count = threads ?? (await defaultNodeThreads());
  if (count <= 1) {
    m.setThreadsCount(1);
    configured = { threads: 1, build: 'default' };
    return;
  }
  const original = (
    tf.engine() as unknown as { registryFactory: Record<string, { factory: BackendFactory }> }
  ).registryFactory.wasm?.factory;
  if (!original) throw new Error("tfjs-backend-wasm did not register the 'wasm' backend.");
  tf.removeBackend('wasm');
  tf.registerBackend(
    'wasm',
    async () => {
      try {
        const module = await startThreadedModule(count);
        m.setThreadsCount(count);
        const backend = new m.BackendWasm(module as never);
        // The constructor started XNNPACK's thread pool. Emscripten ref()s the node Worker that
        // runs each pthread, so the pool would keep node running after the program is done;
        // the pool waits on shared memory, not on node's event loop, so unref() is safe.
        unrefWorkers(module);
        return backend;
      } catch (error) {
        fallbackReason = error instanceof Error ? error.message : String(error);
        m.setThreadsCount(1);
        return original();
      }
    },
    WASM_PRIORITY,
  );
  configured = { threads: count, build: 'threaded-simd' };
}

function unrefWorkers(module: EmscriptenModule): void {
  type NodeWorker = { unref?: () => void };
  const pthread = module.PThread as
    | { runningWorkers?: NodeWorker[]; unusedWorkers?: NodeWorker[] }
    | undefined;
  for (const worker of [...(pthread?.runningWorkers ?? []), ...(pthread?.unusedWorkers ?? [])])
    worker.unref?.();
}

/** The environment variable that sets the default thread count in node (e.g. 1 on shared CI machines). */
export const WASM_THREADS_ENV = 'CONVKIT_WASM_THREADS';

/** The thread count $CONVKIT_WASM_THREADS asks for, or undefined when unset; throws when invalid. */
export function threadsFromEnv(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!(Number.isInteger(n) && n >= 1 && n <= MAX_THREADS)) {
    throw new ConvkitUsageError(
      `${WASM_THREADS_ENV}=${value}: expected an integer from 1 to ${MAX_THREADS} (threads for the wasm backend).`,
    );
  }
  return n;
}

async function defaultNodeThreads(): Promise<number> {
  const fromEnv = threadsFromEnv(process.env[WASM_THREADS_ENV]);
  if (fromEnv !== undefined) return fromEnv;
  const os = await importOptional<typeof import('node:os')>('node:os');
  const fs = await importOptional<typeof import('node:fs')>('node:fs');
  const cpus = os ? (os.availableParallelism?.() ?? os.cpus().length) : 1;
  const perCore = fs ? threadsPerCore(readSiblings(fs)) : undefined;
  // One thread per physical core, as PyTorch sizes its pool: hyperthreads share a core's SIMD
  // units. Where the topology cannot be read, half the logical CPUs, as tfjs sizes its own pool.
  return Math.max(1, Math.min(Math.floor(cpus / (perCore ?? 2)), MAX_THREADS));
}

/** Linux's list of the logical CPUs sharing cpu0's core, or undefined elsewhere. */
function readSiblings(fs: typeof import('node:fs')): string | undefined {
  try {
    return fs.readFileSync('/sys/devices/system/cpu/cpu0/topology/thread_siblings_list', 'utf8');
  } catch {
    return undefined;
  }
}

/** Logical CPUs per physical core from a sibling list such as "0", "0,64" or "0-1"; undefined if unreadable. */
export function threadsPerCore(siblings: string | undefined): number | undefined {
  if (!siblings?.trim()) return undefined;
  let count = 0;
  for (const part of siblings.trim().split(',')) {
    const [from, to = from] = part.split('-').map(Number);
    if (!(Number.isInteger(from) && Number.isInteger(to) && to >= from)) return undefined;
    count += to - from + 1;
  }
  return count;
}

/**
 * Starts tfjs-backend-wasm's threaded SIMD emscripten module in node. tfjs's own loader hands
 * emscripten Blob URLs for the pthread worker and main script, which node's worker_threads
 * cannot load; here the worker is an ES module data: URL that sets up `require` and evaluates
 * the package's worker code, and the main script is the package's own file on disk.
 */
async function startThreadedModule(threads: number): Promise<EmscriptenModule> {
  const nodeModule = await importOptional<typeof import('node:module')>('node:module');
  const fs = await importOptional<typeof import('node:fs')>('node:fs');
  if (!nodeModule || !fs) throw new Error('node:module and node:fs are needed for the threaded wasm build.');
  const require = nodeModule.createRequire(import.meta.url);
  const base = '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd';
  const scriptPath = require.resolve(`${base}.js`);
  const wasmPath = scriptPath.replace(/\.js$/, '.wasm');
  const factory = require(scriptPath) as (config: object) => Promise<EmscriptenModule>;
  const { wasmWorkerContents } = require(`${base}.worker.js`) as { wasmWorkerContents: string };
  // The worker source sits in a template literal: its "\n" escapes became real newlines.
  const workerCode = wasmWorkerContents.replace(/\n/g, '\\n');
  const workerModule = [
    "import { createRequire } from 'node:module';",
    `globalThis.require = createRequire(${JSON.stringify(scriptPath)});`,
    `globalThis.__filename = ${JSON.stringify(scriptPath)};`,
    `(0, eval)(${JSON.stringify(workerCode)});`,
  ].join('\n');
  const workerUrl = new URL(`data:text/javascript,${encodeURIComponent(workerModule)}`);
  const binary = fs.readFileSync(wasmPath);
  let fail: (error: unknown) => void = () => {};
  const failed = new Promise<never>((_, reject) => {
    fail = reject;
  });
  const timer = setTimeout(
    () => fail(new Error(`the threaded wasm build did not start within ${START_TIMEOUT_MS / 1000} s`)),
    START_TIMEOUT_MS,
  );
  const starting = factory({
    locateFile: (path: string, prefix: string) =>
      path.endsWith('.worker.js') ? workerUrl : path.endsWith('.wasm') ? wasmPath : prefix + path,
    mainScriptUrlOrBlob: scriptPath,
    instantiateWasm(
      info: { env: Record<string, unknown> },
      receive: (instance: WebAssembly.Instance, module: WebAssembly.Module) => void,
    ) {
      // tfjs's C++ sizes its thread pool as min(requested, logical cores / 2): report 2x the
      // threads wanted so that the pool gets exactly `threads`.
      info.env.emscripten_num_logical_cores = () => 2 * threads;
      WebAssembly.instantiate(binary, info as WebAssembly.Imports).then(
        (result) => receive(result.instance, result.module),
        (error) => fail(error),
      );
      return {};
    },
  });
  const module = await Promise.race([starting, failed]).finally(() => clearTimeout(timer));
  // The same js <-> wasm bridge tfjs-backend-wasm's init() sets up.
  module.tfjs = {
    init: module.cwrap('init', null, []),
    initWithThreadsCount: module.cwrap('init_with_threads_count', null, ['number']),
    getThreadsCount: module.cwrap('get_threads_count', 'number', []),
    registerTensor: module.cwrap('register_tensor', null, ['number', 'number', 'number']),
    disposeData: module.cwrap('dispose_data', null, ['number']),
    dispose: module.cwrap('dispose', null, []),
  };
  return module;
}
