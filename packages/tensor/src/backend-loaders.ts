import * as tf from '@tensorflow/tfjs-core';
import type { BackendName } from './backend-names';
import { BackendUnavailableError } from './errors';
import { replaceGpuKernels } from './gpu-kernels/register';
import { importOptional, isNode } from './runtime';
import { VULKAN_LOADER, vulkanLoaderFound } from './vulkan-loader';
import { registerWasmTrainingKernels } from './wasm-kernels/register';
import { configureWasmThreads, type WasmOptions, wasmThreading } from './wasm-threads';
import { type AdapterLike, describeAdapter, type WebgpuAdapterInfo } from './webgpu-adapter';

/** What a loader learned while loading its backend package. */
export interface LoadedBackend {
  /** Version of the backend package. */
  version: string;
}

const CUDA_NEEDS = 'CUDA 11.2, cuDNN 8.1 and an NVIDIA driver (450.80.02 or newer)';

/** Options a loader may use (only wasm has any today). */
export type LoaderOptions = WasmOptions;

/** How a loader is asked: `auto` when initBackend('auto') is trying candidates. */
export interface LoaderContext {
  auto: boolean;
}

/** The WebGPU adapter the webgpu backend last started on (for its flags). */
let startedAdapter: WebgpuAdapterInfo | undefined;

/** Imports the package behind each backend and registers it with tfjs-core; throws BackendUnavailableError. */
export const BACKEND_LOADERS: Record<
  BackendName,
  (options: LoaderOptions, context: LoaderContext) => Promise<LoadedBackend>
> = {
  async cpu() {
    const m = await import('@tensorflow/tfjs-backend-cpu').catch((e) => {
      throw missing('cpu', '@tensorflow/tfjs-backend-cpu', e);
    });
    return { version: m.version_cpu };
  },

  async wasm(options) {
    const m = await import('@tensorflow/tfjs-backend-wasm').catch((e) => {
      throw missing('wasm', '@tensorflow/tfjs-backend-wasm', e);
    });
    // In node, tfjs never starts its threaded build; convkit does (see wasm-threads.ts).
    await configureWasmThreads(m, options);
    // tfjs-backend-wasm lacks Conv2DBackpropFilter (and its Conv2DBackpropInput and
    // MaxPoolGrad are slow scalar loops): convkit's kernels make convnets trainable on wasm.
    registerWasmTrainingKernels();
    return { version: m.version_wasm };
  },

  async webgl() {
    if (isNode) {
      throw new BackendUnavailableError(
        'webgl',
        "Backend 'webgl' runs only in a browser (it needs a WebGL context). In node use 'wasm', 'cpu', 'webgpu', 'node' or 'cuda'.",
      );
    }
    const m = await import('@tensorflow/tfjs-backend-webgl').catch((e) => {
      throw missing('webgl', '@tensorflow/tfjs-backend-webgl', e);
    });
    replaceGpuKernels('webgl');
    return { version: m.version_webgl };
  },

  async webgpu(_options, { auto }) {
    const nav = globalThis as unknown as { navigator?: { gpu?: GpuLike } };
    if (isNode && !nav.navigator?.gpu) {
      const dawn = await importOptional<{ create(flags: string[]): GpuLike; globals?: object }>('webgpu');
      if (!dawn) {
        throw new BackendUnavailableError(
          'webgpu',
          "Backend 'webgpu' in node needs the 'webgpu' package (Dawn), which is not installed: npm install webgpu @tensorflow/tfjs-backend-webgpu. It also needs a GPU with a Vulkan (Linux), Metal (macOS) or D3D12 (Windows) driver.",
          { install: 'webgpu @tensorflow/tfjs-backend-webgpu', notInstalled: true },
        );
      }
      if ((await vulkanLoaderFound()) === false) {
        throw new BackendUnavailableError(
          'webgpu',
          `Backend 'webgpu' in node needs the Vulkan loader (${VULKAN_LOADER}) and a GPU's Vulkan driver, and the dynamic linker finds no ${VULKAN_LOADER}: install it (Debian/Ubuntu: apt-get install libvulkan1) with your GPU's driver, or add its folder to LD_LIBRARY_PATH. Use 'wasm' or 'cpu' on this machine.`,
        );
      }
      if (dawn.globals) Object.assign(globalThis, dawn.globals);
      const gpu = dawn.create([]);
      if (!nav.navigator)
        Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true });
      else Object.defineProperty(nav.navigator, 'gpu', { value: gpu, configurable: true });
    }
    const gpu = nav.navigator?.gpu;
    if (!gpu) {
      throw new BackendUnavailableError(
        'webgpu',
        "Backend 'webgpu' is not available: this browser has no navigator.gpu. Use 'webgl' or 'wasm'.",
      );
    }
    const adapter = await gpu.requestAdapter().catch(() => null);
    if (!adapter) {
      throw new BackendUnavailableError(
        'webgpu',
        "Backend 'webgpu' found no GPU adapter. It needs a GPU and its driver (Vulkan on Linux: an NVIDIA, AMD or Intel driver with its Vulkan ICD). Use 'wasm' or 'cpu' on this machine.",
      );
    }
    const described = await describeAdapter(adapter);
    if (auto && described.software) {
      throw new BackendUnavailableError(
        'webgpu',
        `Backend 'webgpu' found only a software adapter (${described.description}), which is slower than wasm, so auto skips it; ask for 'webgpu' by name to use it anyway.`,
      );
    }
    await import('@tensorflow/tfjs-backend-webgpu').catch((e) => {
      throw missing('webgpu', '@tensorflow/tfjs-backend-webgpu', e);
    });
    replaceGpuKernels('webgpu');
    startedAdapter = described;
    // tfjs-backend-webgpu exports no version; it is released in lockstep with tfjs-core.
    return { version: tf.version_core };
  },

  async node() {
    const m = await loadNodeBinding(
      'node',
      '@tensorflow/tfjs-node',
      'it downloads libtensorflow (CPU) when installed',
    );
    return { version: m.version?.['tfjs-node'] ?? m.version_node ?? 'unknown' };
  },

  async cuda() {
    const m = await loadNodeBinding('cuda', '@tensorflow/tfjs-node-gpu', `it needs ${CUDA_NEEDS}`);
    return { version: m.version?.['tfjs-node'] ?? m.version_node ?? 'unknown' };
  },
};

interface GpuLike {
  requestAdapter(): Promise<AdapterLike | null>;
}

async function loadNodeBinding(backend: 'node' | 'cuda', pkg: string, needs: string): Promise<any> {
  if (!isNode) {
    throw new BackendUnavailableError(backend, `Backend '${backend}' runs only in node (${pkg}).`);
  }
  let m: any;
  try {
    m = await importOptional(pkg);
  } catch (error) {
    throw new BackendUnavailableError(
      backend,
      `Backend '${backend}': ${pkg} is installed but failed to load (${firstLine(error)}); ${needs}. Reinstall it (npm rebuild ${pkg}) or pick 'wasm'.`,
      { install: pkg, cause: error },
    );
  }
  if (!m) {
    throw new BackendUnavailableError(
      backend,
      `Backend '${backend}' needs ${pkg}, which is not installed: npm install ${pkg} (${needs}).`,
      { install: pkg, notInstalled: true },
    );
  }
  return m;
}

function missing(backend: BackendName, pkg: string, cause: unknown): BackendUnavailableError {
  return new BackendUnavailableError(
    backend,
    `Backend '${backend}' needs ${pkg}, which could not be loaded: npm install ${pkg} (${firstLine(cause)}).`,
    { install: pkg, notInstalled: true, cause },
  );
}

/** The first line of an error's message, for one-line reports. */
export function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0] ?? text;
}

/** Reads the flags worth reporting for the active backend (wasm SIMD/threads, WebGL precision). */
export async function backendFlags(name: BackendName): Promise<Record<string, string | number | boolean>> {
  const env = tf.env();
  if (name === 'wasm') {
    const threading = wasmThreading();
    const threadsCount = threading?.threads ?? 1;
    return {
      simd: Boolean(await env.getAsync('WASM_HAS_SIMD_SUPPORT')),
      threads: threadsCount > 1,
      threadsCount,
      ...(threading?.fallbackReason ? { threadsFallback: threading.fallbackReason } : {}),
    };
  }
  if (name === 'webgl') {
    return {
      webglVersion: env.getNumber('WEBGL_VERSION'),
      float32: env.getBool('WEBGL_RENDER_FLOAT32_ENABLED'),
      floatPrecision: env.getBool('WEBGL_RENDER_FLOAT32_ENABLED') ? 'float32' : 'float16',
    };
  }
  if (name === 'webgpu' && startedAdapter) {
    return { adapter: startedAdapter.description, software: startedAdapter.software };
  }
  return {};
}
