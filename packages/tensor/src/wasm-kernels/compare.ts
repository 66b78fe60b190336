import * as tf from '@tensorflow/tfjs-core';
import type { BackendName } from '../backend-names';
import { initBackend } from '../init-backend';
import type { Random } from '../random';

/** A tensor's values and shape, independent of any backend. */
export interface HostTensor {
  shape: number[];
  values: Float32Array;
}

/** Seeded normal values in a shape. */
export function randomHost(rng: Random, shape: number[]): HostTensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return { shape, values: rng.fill(n, () => rng.normal()) };
}

/** Runs one kernel by name on a backend from host values, returns its output's values and shape. */
export async function runKernelOn(
  backend: BackendName,
  kernelName: string,
  inputs: Record<string, HostTensor>,
  attrs: tf.NamedAttrMap,
): Promise<HostTensor> {
  await initBackend(backend);
  const tensors = Object.fromEntries(
    Object.entries(inputs).map(([k, v]) => [k, tf.tensor(v.values, v.shape, 'float32')]),
  );
  const out = tf.engine().runKernel(kernelName, tensors, attrs) as tf.Tensor;
  const result = { shape: out.shape, values: (await out.data()) as Float32Array };
  tf.dispose([out, ...Object.values(tensors)]);
  return result;
}

/** The largest |a - b| over the largest |b| (0 when both are all zeros). */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`relativeError: lengths differ (${a.length} vs ${b.length}).`);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  if (Number.isNaN(diff)) return Number.POSITIVE_INFINITY;
  return scale === 0 ? diff : diff / scale;
}
