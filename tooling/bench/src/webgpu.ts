import { initBackend } from '@convkit/tensor';

/**
 * Starts convkit on WebGPU (in node: Dawn from the `webgpu` package); returns why it cannot
 * (no GPU adapter, no Vulkan driver, package missing), or undefined once it runs.
 */
export async function startWebgpu(): Promise<string | undefined> {
  try {
    await initBackend('webgpu');
    return undefined;
  } catch (e) {
    return (e as Error).message.split('\n')[0];
  }
}
