import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { describeBackends } from './describe-backends';
import { BackendUnavailableError, ConvkitUsageError } from './errors';
import { autoOrder, initBackend } from './init-backend';

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

  it('fails webgpu with a clear message where there is no Vulkan loader or Dawn finds no adapter', async () => {
    const error = await initBackend('webgpu').catch((e) => e);
    expect(error).toBeInstanceOf(BackendUnavailableError);
    expect(error.message).toMatch(/no GPU adapter|fallback|finds no libvulkan\.so\.1: install it/);
  });

  it('auto picks the fastest that starts and says why it skipped the others', async () => {
    const info = await initBackend('auto');
    expect(info.name).toBe('wasm');
    expect(info.skipped.map((s) => s.name)).toEqual(['cuda', 'node', 'webgpu']);
    expect(info.summary).toMatch(/^Backend: auto chose wasm/);
    expect(info.summary).toContain('cuda: Backend');
    expect(autoOrder()).not.toContain('webgl');
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
    expect(byName.webgpu).toMatchObject({ installed: true, starts: false });
    expect(tf.getBackend()).toBe('cpu');
  });
});
