import { conv2d, dense, flatten, maxPooling2d, type Sequential, sequential } from '@convkit/layers';
import { initBackend, type PixelImage } from '@convkit/tensor';
import { expectNoLeakedTensors } from '@convkit/tensor/testing';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activationGrid } from './activation-grid';
import { activations } from './activations';
import { filterGrid } from './filter-grid';
import { filterPattern } from './filter-pattern';
import type { ExplainableModel } from './model';

// The chapter's small convnet, scaled down: conv/pool x3, flatten, dense(1, sigmoid).
let model: Sequential;
let anySize: Sequential;
beforeAll(async () => {
  await initBackend('cpu');
  model = sequential(
    [
      conv2d({
        filters: 8,
        kernelSize: 3,
        activation: 'relu',
        inputShape: [30, 30, 3],
        name: 'conv2d_20',
        seed: 1,
      }),
      maxPooling2d({ poolSize: 2, name: 'max_pooling2d_20' }),
      conv2d({ filters: 16, kernelSize: 3, activation: 'relu', name: 'conv2d_21', seed: 2 }),
      maxPooling2d({ poolSize: 2, name: 'max_pooling2d_21' }),
      flatten({ name: 'flatten_5' }),
      dense({ units: 1, activation: 'sigmoid', name: 'dense_11', seed: 3 }),
    ],
    { name: 'cats_and_dogs_small' },
  );
  // A conv base that takes any size, like the chapter's VGG16(include_top=False).
  anySize = sequential(
    [
      conv2d({
        filters: 8,
        kernelSize: 3,
        activation: 'relu',
        padding: 'same',
        inputShape: [null, null, 3],
        name: 'block1_conv1',
        seed: 4,
      }),
      maxPooling2d({ poolSize: 2, name: 'block1_pool' }),
      conv2d({
        filters: 64,
        kernelSize: 3,
        activation: 'relu',
        padding: 'same',
        name: 'block2_conv1',
        seed: 5,
      }),
    ],
    { name: 'conv_base' },
  );
});
afterAll(() => {
  model.dispose();
  anySize.dispose();
});

const image = (w: number, h: number, seed = 0): PixelImage => ({
  width: w,
  height: h,
  channels: 3,
  data: new Uint8Array(w * h * 3).map((_, i) => (i * 7 + seed * 13 + ((i / 90) | 0)) % 256),
});

describe('with @convkit/layers models', () => {
  it('a Sequential fits the interfaces as it is', () => {
    const m: ExplainableModel = model;
    expect(m.name).toBe('cats_and_dogs_small');
  });

  it('reads every conv and pooling layer in one pass, as the chapter activation model', async () => {
    const acts = await expectNoLeakedTensors(() => activations(model, image(30, 30)));
    expect(acts.map((a) => a.layerName)).toEqual([
      'conv2d_20',
      'max_pooling2d_20',
      'conv2d_21',
      'max_pooling2d_21',
    ]);
    expect(acts.map((a) => a.shape)).toEqual([
      [1, 28, 28, 8],
      [1, 14, 14, 8],
      [1, 12, 12, 16],
      [1, 6, 6, 16],
    ]);
    // same values as the model's own layer outputs on the image scaled by 1/255
    const x = tf.tidy(() =>
      tf.div(tf.tensor4d(Float32Array.from(image(30, 30).data), [1, 30, 30, 3], 'float32'), 255),
    );
    const outs = model.layerOutputs(x, ['conv2d_21']);
    expect(Array.from(acts[2].data)).toEqual(Array.from(outs[0].dataSync()));
    tf.dispose([x, ...outs]);
    const grid = activationGrid(acts[2], { imagesPerRow: 8 });
    expect([grid.pixels.width, grid.pixels.height]).toEqual([8 * 12, 2 * 12]);
  });

  it('takes a batch, named layers, and explains a wrong size', async () => {
    const acts = await activations(model, [image(30, 30, 1), image(30, 30, 2)], {
      layers: ['conv2d_21', 'dense_11'],
    });
    expect(acts.map((a) => a.shape)).toEqual([
      [2, 12, 12, 16],
      [2, 1],
    ]);
    await expect(activations(model, image(40, 30))).rejects.toThrow(
      /takes 30x30 images \(width x height\), got 40x30.*resize: true/,
    );
    const resized = await activations(model, image(40, 30), { resize: true, layers: ['conv2d_20'] });
    expect(resized[0].shape).toEqual([1, 28, 28, 8]);
    await expect(activations(model, image(30, 30), { layers: ['conv2d_99'] })).rejects.toThrow(
      /no layer named 'conv2d_99'. Its layers are: conv2d_20, max_pooling2d_20, conv2d_21, max_pooling2d_21, flatten_5, dense_11/,
    );
  });

  it('gradient ascent raises the filter mean activation at every step', async () => {
    // a filter that the starting noise activates (ReLU filters dead on grey noise stay at 0)
    let f = 0;
    while ((await filterPattern(model, 'conv2d_21', f, { steps: 0, seed: 5 })).losses[0] === 0) f++;
    const p = await filterPattern(model, 'conv2d_21', f, { steps: 12, seed: 5 });
    expect(p.pixels.width).toBe(30); // the model's fixed size
    for (let i = 1; i < p.losses.length; i++) expect(p.losses[i]).toBeGreaterThan(p.losses[i - 1]);
    expect(p.losses.at(-1)).toBeGreaterThan(1.5 * p.losses[0]);
  });

  it('makes a 64-filter grid without leaking tensors, building the truncated model once', async () => {
    let splits = 0;
    const counting = Object.create(anySize, {
      splitAt: {
        value: (name: string) => {
          splits++;
          return anySize.splitAt(name);
        },
      },
    }) as Sequential;
    const fractions: number[] = [];
    const grid = await expectNoLeakedTensors(() =>
      filterGrid(counting, 'block2_conv1', {
        size: 8,
        steps: 2,
        seed: 1,
        batchSize: 32,
        onProgress: (p) => fractions.push(p.fraction),
      }),
    );
    expect(splits).toBe(1);
    expect(grid.patterns.length).toBe(64);
    expect(grid.pixels.width).toBe(8 * 8 + 7 * 5);
    expect(fractions.at(-1)).toBeCloseTo(1, 10);
  });
});
