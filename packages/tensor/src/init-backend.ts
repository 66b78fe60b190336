import * as tf from '@tensorflow/tfjs-core';
import { BACKEND_LOADERS, backendFlags, firstLine } from './backend-loaders';
import {
  BACKEND_CHOICES,
  BACKEND_NAMES,
  type BackendName,
  isBackendChoice,
  TFJS_BACKEND_ID,
} from './backend-names';
import { BackendUnavailableError, ConvkitUsageError } from './errors';
import { isNode } from './runtime';
import type { WasmOptions } from './wasm-threads';

/** The backend `initBackend` started, and for `auto` why it was chosen. */
export interface BackendInfo {
  /** The convkit name of the active backend. */
  name: BackendName;
  /** Version of the backend package. */
  version: string;
  /** Flags of interest (wasm SIMD/threads, WebGL float precision). */
  flags: Record<string, string | number | boolean>;
  /** Backends `auto` tried before this one, each with why it was skipped. */
  skipped: { name: BackendName; reason: string }[];
  /** One line for logs: which backend runs and why. */
  summary: string;
}

/** Options for `initBackend`; they apply to the backends they name and are ignored by the others. */
export interface InitBackendOptions {
  /**
   * wasm: threads for XNNPACK (1 to 8). Default in node: $CONVKIT_WASM_THREADS if set, else one
   * per physical core (1 to 8). More than 1 runs tfjs-backend-wasm's threaded SIMD build over
   * worker_threads; 1 the single-threaded build. Fixed once the wasm backend has started in a
   * process.
   */
  threads?: WasmOptions['threads'];
}

let active: BackendInfo | undefined;

/** The backend the last successful `initBackend` call started, if any. */
export function activeBackend(): BackendInfo | undefined {
  return active && tf.getBackend() === TFJS_BACKEND_ID[active.name] ? active : undefined;
}

/** The order `auto` tries backends in this runtime (node or browser). */
export function autoOrder(): BackendName[] {
  return BACKEND_NAMES.filter((name) => (isNode ? name !== 'webgl' : name !== 'node' && name !== 'cuda'));
}

/**
 * Starts a TensorFlow.js backend by name and makes it the active one. `auto` tries the
 * fastest first (cuda, node, webgpu, then webgl in a browser, wasm, cpu) and reports in
 * `summary` which one it chose and why it skipped the others. A named backend that cannot
 * start throws BackendUnavailableError naming the package to install; it never falls back.
 * Starting wasm also registers convkit's gradient kernels for it, so convnets train on wasm;
 * starting webgpu replaces tfjs's conv2d filter and max-pool gradients there.
 */
export async function initBackend(
  name: string = 'auto',
  options: InitBackendOptions = {},
): Promise<BackendInfo> {
  if (!isBackendChoice(name)) {
    throw new ConvkitUsageError(`Unknown backend '${name}'. Valid names: ${BACKEND_CHOICES.join(', ')}.`);
  }
  if (name !== 'auto') {
    active = await start(name, [], { options });
    return active;
  }
  const skipped: BackendInfo['skipped'] = [];
  for (const candidate of autoOrder()) {
    try {
      active = await start(candidate, skipped, { autoMode: true, options });
      return active;
    } catch (error) {
      skipped.push({ name: candidate, reason: firstLine(error) });
    }
  }
  throw new BackendUnavailableError(
    'cpu',
    `No backend could start: ${skipped.map((s) => `${s.name}: ${s.reason}`).join('; ')}`,
    { install: '@tensorflow/tfjs-backend-cpu' },
  );
}

async function start(
  name: BackendName,
  skipped: BackendInfo['skipped'],
  { autoMode = false, options = {} as InitBackendOptions } = {},
): Promise<BackendInfo> {
  const loaded = await BACKEND_LOADERS[name](options, { auto: autoMode });
  const id = TFJS_BACKEND_ID[name];
  let ok = false;
  try {
    ok = await tf.setBackend(id);
  } catch (error) {
    throw new BackendUnavailableError(name, `Backend '${name}' failed to start: ${firstLine(error)}`, {
      cause: error,
    });
  }
  if (!ok) throw new BackendUnavailableError(name, `Backend '${name}' failed to initialise in tfjs-core.`);
  await tf.ready();
  const flags = await backendFlags(name);
  const why = autoMode
    ? skipped.length
      ? `auto chose ${name}, the fastest that started (skipped ${skipped.map((s) => `${s.name}: ${s.reason}`).join('; ')})`
      : `auto chose ${name}, the fastest backend`
    : `using ${name}, as asked`;
  const detail = Object.entries(flags)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
  return {
    name,
    version: loaded.version,
    flags,
    skipped: [...skipped],
    summary: `Backend: ${why}${detail ? ` [${detail}]` : ''}.`,
  };
}
