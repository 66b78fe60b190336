import { initBackend, setConvAlgorithms } from '@convkit/tensor';
import { webgpuUnavailable } from '@convkit/tensor/testing';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { resetLayerNames } from '../core/names';
import { setSeed } from '../core/seed';
import { conv2d } from '../layers/conv2d';
import { dense } from '../layers/dense';
import { dropout } from '../layers/dropout';
import { flatten } from '../layers/flatten';
import { globalAveragePooling2d } from '../layers/global-pooling2d';
import { averagePooling2d, maxPooling2d } from '../layers/max-pooling2d';
import { type Sequential, sequential } from '../model/sequential';

/** The chapter's kind of convnet, small: valid and same convs, max pooling, softmax. */
const smallConvnet = () =>
  sequential([
    conv2d({ filters: 4, kernelSize: 3, activation: 'relu', inputShape: [12, 12, 1] }),
    maxPooling2d({ poolSize: 2 }),
    conv2d({ filters: 6, kernelSize: 3, activation: 'relu', padding: 'same' }),
    maxPooling2d({ poolSize: 2 }),
    flatten(),
    dense({ units: 5, activation: 'softmax' }),
  ]);

/** Convs of 8 channels, so that convkit's own webgpu conv2d kernels (GEMM, Winograd) take both. */
const eightChannelConvnet = () =>
  sequential([
    conv2d({ filters: 8, kernelSize: 3, activation: 'relu', inputShape: [12, 12, 1] }),
    maxPooling2d({ poolSize: 2 }),
    conv2d({ filters: 8, kernelSize: 3, activation: 'relu', padding: 'same' }),
    maxPooling2d({ poolSize: 2 }),
    flatten(),
    dense({ units: 5, activation: 'softmax' }),
  ]);

/** The rest of what layers can train: strides 2, dilation, average and global pooling, dropout, no bias. */
const otherLayers = () =>
  sequential([
    conv2d({
      filters: 6,
      kernelSize: 3,
      strides: 2,
      padding: 'same',
      activation: 'relu',
      inputShape: [12, 12, 1],
    }),
    conv2d({
      filters: 8,
      kernelSize: 2,
      dilationRate: 2,
      padding: 'same',
      useBias: false,
      activation: 'elu',
    }),
    averagePooling2d({ poolSize: 2 }),
    globalAveragePooling2d(),
    dropout({ rate: 0.3, seed: 4 }),
    dense({ units: 5, activation: 'softmax' }),
  ]);

/** Trains the same small convnet for a few RMSprop steps on a backend; returns its weights and loss history. */
async function trainOn(
  backend: 'cpu' | 'wasm' | 'webgpu',
  build: () => Sequential = smallConvnet,
): Promise<{ weights: Float32Array[]; loss: number[]; leaked: number }> {
  await initBackend(backend);
  resetLayerNames();
  setSeed(21);
  const model = build();
  const x = tf.tidy(() => tf.div(tf.reshape(tf.range(0, 32 * 144), [32, 12, 12, 1]), 32 * 144));
  const y = tf.oneHot(
    tf.tensor1d(
      Array.from({ length: 32 }, (_, i) => i % 5),
      'int32',
    ),
    5,
  );
  model.compile({ optimizer: 'rmsprop', loss: 'categorical_crossentropy', metrics: ['acc'] });
  await model.fit(x, y, { epochs: 1, batchSize: 8, shuffle: false });
  const before = tf.memory().numTensors;
  const h = await model.fit(x, y, { epochs: 2, batchSize: 8, shuffle: false, validationData: [x, y] });
  const leaked = tf.memory().numTensors - before;
  // Async reads: WebGPU in node has no synchronous read (tfjs's needs an OffscreenCanvas).
  const weights: Float32Array[] = [];
  for (const w of model.getWeights()) {
    weights.push(((await w.data()) as Float32Array).slice());
    w.dispose();
  }
  tf.dispose([x, y]);
  model.dispose();
  return { weights, loss: h.history.loss, leaked };
}

/** Max |a - b| / max |b| over each weight, the largest over all weights. */
function weightError(got: Float32Array[], want: Float32Array[]): number {
  return Math.max(
    ...got.map((w, i) => {
      let d = 0;
      let s = 0;
      w.forEach((v, j) => {
        d = Math.max(d, Math.abs(v - want[i][j]));
        s = Math.max(s, Math.abs(want[i][j]));
      });
      return d / s;
    }),
  );
}

/**
 * WebGPU (in node: Dawn from the `webgpu` package) runs where it finds an adapter: a GPU, or
 * Mesa's lavapipe, the software Vulkan driver that CI installs so that this path is tested.
 * Elsewhere its tests are skipped, and the reason is printed.
 */
const backends: ('wasm' | 'webgpu')[] = [
  'wasm',
  ...((await webgpuUnavailable()) ? [] : (['webgpu'] as const)),
];

for (const backend of backends) {
  describe(`training on ${backend}`, () => {
    for (const [name, build] of [
      ['a small convnet', smallConvnet],
      ['strides, dilation, average and global pooling, dropout', otherLayers],
    ] as const) {
      it(`gives the same weights as cpu after RMSprop steps and leaks nothing: ${name}`, async () => {
        const cpu = await trainOn('cpu', build);
        const other = await trainOn(backend, build);
        expect(other.leaked).toBe(0);
        expect(cpu.leaked).toBe(0);
        expect(weightError(other.weights, cpu.weights)).toBeLessThan(1e-4);
        expect(other.loss[1]).toBeCloseTo(cpu.loss[1], 4);
      }, 120_000);
    }
  });
}

describe.skipIf(!backends.includes('webgpu'))("training with convkit's webgpu conv2d kernels", () => {
  for (const webgpuForward of ['gemm', 'winograd4x4'] as const) {
    it(`gives the same weights as cpu after RMSprop steps: ${webgpuForward}`, async () => {
      const cpu = await trainOn('cpu', eightChannelConvnet);
      const previous = setConvAlgorithms({ webgpuForward });
      try {
        const other = await trainOn('webgpu', eightChannelConvnet);
        expect(other.leaked).toBe(0);
        expect(weightError(other.weights, cpu.weights)).toBeLessThan(1e-4);
        expect(other.loss[1]).toBeCloseTo(cpu.loss[1], 4);
      } finally {
        setConvAlgorithms(previous);
      }
    }, 120_000);
  }
});
