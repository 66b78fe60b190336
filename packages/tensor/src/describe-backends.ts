import * as tf from '@tensorflow/tfjs-core';
import { firstLine } from './backend-loaders';
import { BACKEND_NAMES, type BackendName } from './backend-names';
import { BackendUnavailableError } from './errors';
import { initBackend } from './init-backend';

/** What `describeBackends` found for one backend. */
export interface BackendReport {
  name: BackendName;
  /** Whether its package could be found. */
  installed: boolean;
  /** Whether it started here. */
  starts: boolean;
  /** Version of its package, when installed. */
  version?: string;
  /** Flags of interest once started (wasm SIMD/threads, WebGL float precision). */
  flags: Record<string, string | number | boolean>;
  /** Why it did not start. */
  error?: string;
  /** What to install to get it, when that is the fix. */
  install?: string;
}

/**
 * Tries every backend in turn and reports what is installed, what starts, versions and flags.
 * The backend that was active before the call is active again afterwards.
 */
export async function describeBackends(): Promise<BackendReport[]> {
  const before = safeGetBackend();
  const reports: BackendReport[] = [];
  for (const name of [...BACKEND_NAMES].reverse()) {
    try {
      const info = await initBackend(name);
      reports.push({ name, installed: true, starts: true, version: info.version, flags: info.flags });
    } catch (error) {
      const known = error instanceof BackendUnavailableError ? error : undefined;
      reports.push({
        name,
        installed: !known?.notInstalled,
        starts: false,
        flags: {},
        error: firstLine(error),
        install: known?.install,
      });
    }
  }
  if (before && before !== tf.getBackend()) await tf.setBackend(before);
  return reports.sort((a, b) => BACKEND_NAMES.indexOf(a.name) - BACKEND_NAMES.indexOf(b.name));
}

function safeGetBackend(): string | undefined {
  try {
    return tf.engine().backendName ?? undefined;
  } catch {
    return undefined;
  }
}
