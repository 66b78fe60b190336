import * as tf from '@tensorflow/tfjs-core';

/** The GPU backends where convkit's fused kernels run. */
export type FusedKernelBackend = 'webgpu' | 'webgl';

/**
 * The active backend when it is one where convkit's fused kernels run: tfjs-backend-webgpu
 * (through its `runWebGPUProgram`) or tfjs-backend-webgl (through `runWebGLProgram`), else
 * undefined (other backends get the plain tfjs ops).
 */
export function fusedKernelBackend(): FusedKernelBackend | undefined {
  const name = tf.getBackend();
  const backend = tf.backend() as unknown as Record<string, unknown>;
  if (name === 'webgpu' && typeof backend.runWebGPUProgram === 'function') return 'webgpu';
  if (name === 'webgl' && typeof backend.runWebGLProgram === 'function') return 'webgl';
  return undefined;
}
