import * as tf from '@tensorflow/tfjs-core';

/** The part of tfjs-backend-webgl 4.22's MathBackendWebGL that is counted. */
interface Counted {
  gpgpu: { executeProgram(...args: unknown[]): unknown };
}

/**
 * Runs `fn` on the active webgl backend and counts its draws, by wrapping the GPGPU context's
 * `executeProgram` (one call per shader pass: kernels, and tfjs's pack and unpack conversions);
 * also says how long `fn` took.
 */
export async function countDraws(fn: () => Promise<unknown>): Promise<{ draws: number; seconds: number }> {
  if (tf.getBackend() !== 'webgl') {
    throw new Error(`counting draws needs tfjs-backend-webgl; the active backend is ${tf.getBackend()}.`);
  }
  const { gpgpu } = tf.backend() as unknown as Counted;
  const executeProgram = gpgpu.executeProgram;
  let draws = 0;
  gpgpu.executeProgram = (...args: unknown[]) => {
    draws++;
    return executeProgram.apply(gpgpu, args);
  };
  const start = performance.now();
  try {
    await fn();
  } finally {
    gpgpu.executeProgram = executeProgram;
  }
  return { draws, seconds: (performance.now() - start) / 1000 };
}

/** What a training step of the MNIST convnet costs on WebGL: draws, and samples per second where it ran. */
export interface StepCost {
  draws: number;
  samplesPerSecond: number;
}

/** What each page exposes to the benchmark: the cost of `steps` training steps of `batch` samples. */
export type MeasureSteps = (batch: number, steps: number) => Promise<StepCost>;
