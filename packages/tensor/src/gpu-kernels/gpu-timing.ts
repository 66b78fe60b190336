import * as tf from '@tensorflow/tfjs-core';

/** Most calls queued before one read waits for the GPU. */
const MAX_CALLS_PER_READ = 50;

/**
 * Seconds the GPU takes per call of `run`, over at least `seconds` of calls: one call first
 * (it compiles the shaders) and its read; then calls queued back to back, each result freed, and
 * one element of the last one read to wait for the queue to drain (that wait is spread over the
 * calls queued before it, about a quarter of `seconds`' worth).
 */
export async function secondsPerGpuCall(run: () => tf.Tensor, seconds: number): Promise<number> {
  const first = performance.now();
  await drain(run());
  const estimate = Math.max((performance.now() - first) / 1000, 1e-6);
  let perRead = Math.min(MAX_CALLS_PER_READ, Math.max(1, Math.round(seconds / 4 / estimate)));
  let calls = 0;
  const start = performance.now();
  let elapsed = 0;
  do {
    for (let i = 0; i < perRead - 1; i++) run().dispose();
    await drain(run());
    calls += perRead;
    elapsed = (performance.now() - start) / 1000;
    // The first call's time included compiling: aim again from what these calls took.
    perRead = Math.min(MAX_CALLS_PER_READ, Math.max(1, Math.round(seconds / 4 / (elapsed / calls))));
  } while (elapsed < seconds);
  return elapsed / calls;
}

/** Waits for the GPU to finish `y` by reading one element of it, then frees it. */
async function drain(y: tf.Tensor): Promise<void> {
  const one = tf.tidy(() => tf.slice(tf.reshape(y, [-1]), 0, 1));
  await one.data();
  tf.dispose([one, y]);
}
