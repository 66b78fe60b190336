import { initBackend, secondsPerGpuCall } from '@convkit/tensor';
import type * as tf from '@tensorflow/tfjs-core';

/**
 * Starts convkit on WebGPU (in node: Dawn from the `webgpu` package); returns why it cannot
 * (no GPU adapter, no Vulkan driver, package missing), or undefined once it runs. A software
 * adapter (Mesa's lavapipe) computes correctly but its timings say nothing about a GPU: its rows
 * are skipped unless CONVKIT_BENCH_SOFTWARE_GPU=1 (to check the GPU rows run, not to time them).
 */
export async function startWebgpu(): Promise<string | undefined> {
  try {
    const info = await initBackend('webgpu');
    if (info.flags.software === true && process.env.CONVKIT_BENCH_SOFTWARE_GPU !== '1') {
      return `the only WebGPU adapter is a software one (${info.flags.adapter}); set CONVKIT_BENCH_SOFTWARE_GPU=1 to run the GPU rows on it anyway`;
    }
    return undefined;
  } catch (e) {
    return (e as Error).message.split('\n')[0];
  }
}

/** Seconds each kernel is timed for by callsPerSecond (after a warm-up). */
const KERNEL_SECONDS = Number(process.env.CONVKIT_BENCH_KERNEL_SECONDS ?? 0.4);

/** Calls per second of `run` on the GPU (@convkit/tensor's secondsPerGpuCall over KERNEL_SECONDS). */
export async function callsPerSecond(run: () => tf.Tensor): Promise<number> {
  return 1 / (await secondsPerGpuCall(run, KERNEL_SECONDS));
}
