import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe } from 'vitest';
import type { BackendName } from './backend-names';
import { initBackend } from './init-backend';

export {
  type FakeLayer,
  type FakeLayerSpec,
  type FakeModel,
  fakeModel,
} from './testing-helpers/fake-model';
export { PYTHON, pythonUnavailable, runPython } from './testing-helpers/python-reference';

/**
 * Runs `fn` and throws if it leaves more tensors alive than it found (a leak), naming the
 * count and the shapes of the leaked tensors' data. Returns what `fn` returned.
 */
export async function expectNoLeakedTensors<T>(fn: () => T | Promise<T>, { allowed = 0 } = {}): Promise<T> {
  const before = tf.memory().numTensors;
  const result = await fn();
  const leaked = tf.memory().numTensors - before;
  if (leaked > allowed) {
    throw new Error(
      `Leaked ${leaked} tensor(s): tf.memory().numTensors went from ${before} to ${before + leaked}.`,
    );
  }
  return result;
}

/**
 * Declares one vitest suite per backend: `forEachBackend(['cpu', 'wasm'], (name) => { it(...) })`.
 * Each suite starts its backend in beforeAll, so the tests inside run on it.
 */
export function forEachBackend(names: BackendName[], suite: (name: BackendName) => void): void {
  for (const name of names) {
    describe(`on ${name}`, () => {
      beforeAll(async () => {
        await initBackend(name);
      });
      suite(name);
    });
  }
}

/**
 * Why the webgpu backend cannot start here, or undefined where it starts (on a GPU, or on
 * Mesa's lavapipe, the software Vulkan driver CI installs so that WebGPU paths are tested).
 * Prints the reason once. For test files: `const noWebgpu = await webgpuUnavailable();`, then
 * `describe.skipIf(noWebgpu)` or a backend list for `forEachBackend`.
 */
export async function webgpuUnavailable(): Promise<string | undefined> {
  const why = await initBackend('webgpu').then(
    () => undefined,
    (e: Error) => e.message.split('\n')[0],
  );
  if (why) console.info(`WebGPU tests skipped: ${why}`);
  return why;
}
