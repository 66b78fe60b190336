import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { describeBackends } from './describe-backends';
import { BackendUnavailableError, ConvkitUsageError } from './errors';
import { autoOrder, initBackend } from './init-backend';
import { describeAdapter } from './webgpu-adapter';

describe('initBackend', () => {
  it('starts cpu for real', async () => {
    const info = await initBackend('cpu');
    expect(info.name).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(tf.add(tf.scalar(2), tf.scalar(3)).dataSync()[0]).toBe(5);
    expect(info.summary).toContain('cpu');
  });

  it('starts wasm for real and reports its SIMD and threads flags', async () => {
    const info = await initBackend('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(typeof info.flags.simd).toBe('boolean');
    expect(typeof info.flags.threads).toBe('boolean');
    const y = tf.conv2d(
      tf.ones([1, 4, 4, 1]) as tf.Tensor4D,
      tf.ones([3, 3, 1, 2]) as tf.Tensor4D,
      1,
      'valid',
    );
    expect(Array.from(y.dataSync())).toEqual(new Array(8).fill(9));
  });

  it('rejects an unknown name with the list of valid ones', async () => {
    const error = await initBackend('gpu').catch((e) => e);
    expect(error).toBeInstanceOf(ConvkitUsageError);
    expect(error.message).toContain("Unknown backend 'gpu'");
    expect(error.message).toContain('auto, cuda, node, webgpu, webgl, wasm, cpu');
  });

  it('names @tensorflow/tfjs-node-gpu, CUDA 11.2 and cuDNN 8.1 when cuda is missing', async () => {
    const error = await initBackend('cuda').catch((e) => e);
    expect(error).toBeInstanceOf(BackendUnavailableError);
    expect(error.install).toBe('@tensorflow/tfjs-node-gpu');
    expect(error.notInstalled).toBe(true);
    expect(error.message).toMatch(
      /npm install @tensorflow\/tfjs-node-gpu.*CUDA 11\.2, cuDNN 8\.1.*NVIDIA driver/,
    );
  });

  it('names @tensorflow/tfjs-node when node is missing', async () => {
    const error = await initBackend('node').catch((e) => e);
    expect(error).toBeInstanceOf(BackendUnavailableError);
    expect(error.message).toContain('npm install @tensorflow/tfjs-node');
  });

  it('says webgl needs a browser', async () => {
    const error = await initBackend('webgl').catch((e) => e);
    expect(error.message).toMatch(/runs only in a browser/);
  });

  // These machines have no GPU: WebGPU either cannot start (no Vulkan loader or driver), or
  // finds Mesa's lavapipe, a software Vulkan driver (CI installs it to test the WebGPU path).
  it('fails webgpu with a clear message, or starts it on a software adapter and says so', async () => {
    const result = await initBackend('webgpu').catch((e) => e);
    if (result instanceof Error) {
      expect(result).toBeInstanceOf(BackendUnavailableError);
      expect(result.message).toMatch(/no GPU adapter|finds no libvulkan\.so\.1: install it/);
      return;
    }
    expect(tf.getBackend()).toBe('webgpu');
    expect(result.flags).toMatchObject({ software: true });
    expect(result.flags.adapter).toMatch(/llvmpipe|software/);
    expect(Array.from(await tf.add(tf.tensor1d([1, 2]), tf.tensor1d([3, 4])).data())).toEqual([4, 6]);
  });

  it('auto picks the fastest that starts (never a software WebGPU adapter) and says why it skipped the others', async () => {
    const info = await initBackend('auto');
    expect(info.name).toBe('wasm');
    expect(info.skipped.map((s) => s.name)).toEqual(['cuda', 'node', 'webgpu']);
    expect(info.summary).toMatch(/^Backend: auto chose wasm/);
    expect(info.summary).toContain('cuda: Backend');
    expect(info.skipped[2].reason).toMatch(
      /no GPU adapter|finds no libvulkan|only a software adapter .* auto skips it/,
    );
    expect(autoOrder()).not.toContain('webgl');
  });
});

describe('describeAdapter', () => {
  it('tells software adapters (lavapipe, SwiftShader, fallback) from GPUs', async () => {
    const lavapipe = {
      info: { vendor: 'mesa', architecture: 'software', description: 'llvmpipe: Mesa 25.0.7' },
    };
    expect(await describeAdapter(lavapipe)).toEqual({
      description: 'mesa software llvmpipe: Mesa 25.0.7',
      software: true,
    });
    expect(
      (await describeAdapter({ info: { vendor: 'google', description: 'SwiftShader Device' } })).software,
    ).toBe(true);
    expect((await describeAdapter({ isFallbackAdapter: true })).software).toBe(true);
    const h100 = { requestAdapterInfo: async () => ({ vendor: 'nvidia', architecture: 'hopper' }) };
    expect(await describeAdapter(h100)).toEqual({ description: 'nvidia hopper', software: false });
  });
});

describe('describeBackends', () => {
  it('reports every backend and restores the active one', async () => {
    await initBackend('cpu');
    const reports = await describeBackends();
    expect(reports.map((r) => r.name)).toEqual(['cuda', 'node', 'webgpu', 'webgl', 'wasm', 'cpu']);
    const byName = Object.fromEntries(reports.map((r) => [r.name, r]));
    expect(byName.cpu.starts).toBe(true);
    expect(byName.cpu.version).toBe(tf.version_core);
    expect(byName.wasm.starts).toBe(true);
    expect(byName.cuda).toMatchObject({
      installed: false,
      starts: false,
      install: '@tensorflow/tfjs-node-gpu',
    });
    expect(byName.webgpu.installed).toBe(true); // starts only on lavapipe here (see above)
    expect(tf.getBackend()).toBe('cpu');
  });
});
