/** A TensorFlow.js backend convkit can start by name (see `initBackend`). */
export type BackendName = 'cpu' | 'wasm' | 'webgl' | 'webgpu' | 'node' | 'cuda';

/** A name `initBackend` accepts: a backend, or `auto` for the fastest one that starts. */
export type BackendChoice = BackendName | 'auto';

/** Every backend name, fastest first in the order `auto` tries them. */
export const BACKEND_NAMES: readonly BackendName[] = ['cuda', 'node', 'webgpu', 'webgl', 'wasm', 'cpu'];

/** Every name `initBackend` accepts. */
export const BACKEND_CHOICES: readonly BackendChoice[] = ['auto', ...BACKEND_NAMES];

/** True when `name` is one of the names `initBackend` accepts. */
export function isBackendChoice(name: string): name is BackendChoice {
  return (BACKEND_CHOICES as readonly string[]).includes(name);
}

/** The tfjs registry name of each convkit backend (cuda registers itself as 'tensorflow'). */
export const TFJS_BACKEND_ID: Record<BackendName, string> = {
  cpu: 'cpu',
  wasm: 'wasm',
  webgl: 'webgl',
  webgpu: 'webgpu',
  node: 'tensorflow',
  cuda: 'tensorflow',
};
