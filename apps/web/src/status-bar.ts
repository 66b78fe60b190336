import type { BackendInfo } from '@convkit/tensor';
import * as tf from '@tensorflow/tfjs-core';

/** The status line: active backend, its float precision, and tensors/bytes in use (so a leak shows). */
export function statusText(info: BackendInfo | undefined, memory: tf.MemoryInfo | undefined): string {
  if (!info || !memory) return 'backend: starting…';
  const backend = info.name;
  const precision =
    info.name === 'webgl' ? `float${info.flags.float32 ? 32 : 16}` : info.name === 'node' ? '' : 'float32';
  const mib = (memory.numBytes / 2 ** 20).toFixed(1);
  return `backend: ${backend}${precision ? ` (${precision})` : ''} · tensors: ${memory.numTensors} · memory: ${mib} MiB`;
}

/** Refreshes `element` with the status line twice a second. */
export function startStatusBar(element: HTMLElement, current: () => BackendInfo | undefined): void {
  const update = () => {
    // tf.memory() would start the highest-priority backend itself: ask only once one is running.
    element.textContent = statusText(current(), current() ? tf.memory() : undefined);
    element.dataset.backend = current()?.name ?? '';
  };
  update();
  setInterval(update, 500);
}
