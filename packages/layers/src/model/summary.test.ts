import { readFileSync } from 'node:fs';
import { initBackend } from '@convkit/tensor';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { resetLayerNames } from '../core/names';
import { conv2d } from '../layers/conv2d';
import { dense } from '../layers/dense';
import { dropout } from '../layers/dropout';
import { flatten } from '../layers/flatten';
import { inputLayer } from '../layers/input-layer';
import { maxPooling2d } from '../layers/max-pooling2d';
import { type Sequential, sequential } from './sequential';

/**
 * The chapter's summary tables (copied from the chapter notes, seed/chapter5-notes.md, with the
 * notebook's 4-space indent removed and trailing spaces kept), by their order in the chapter.
 */
const TABLES = readFileSync(new URL('./__fixtures__/chapter5-summaries.txt', import.meta.url), 'utf8')
  .split(/^# table \d+\n/m)
  .slice(1)
  .map((t) => t.replace(/\n$/, '').split('\n'));

function chapterTable(n: number): string[] {
  return TABLES[n];
}

function lines(model: Sequential): string[] {
  const out: string[] = [];
  model.summary((l) => out.push(l));
  return out;
}

/** The MNIST convnet of section 5.1, with the layer names Keras gave it in the chapter's session. */
function mnistConvnet(): Sequential {
  return sequential(
    [
      conv2d({ filters: 32, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1], name: 'conv2d_3' }),
      maxPooling2d({ poolSize: 2, name: 'max_pooling2d_2' }),
      conv2d({ filters: 64, kernelSize: 3, activation: 'relu', name: 'conv2d_4' }),
      maxPooling2d({ poolSize: 2, name: 'max_pooling2d_3' }),
      conv2d({ filters: 64, kernelSize: 3, activation: 'relu', name: 'conv2d_5' }),
      flatten({ name: 'flatten_1' }),
      dense({ units: 64, activation: 'relu', name: 'dense_2' }),
      dense({ units: 10, activation: 'softmax', name: 'dense_3' }),
    ],
    { name: 'sequential_1' },
  );
}

/** The chapter's VGG16 conv base at 150x150 (a linear functional model, as Keras builds it). */
function vgg16Base(): Sequential {
  const layers = [inputLayer({ inputShape: [150, 150, 3], name: 'input_1' })];
  const blocks = [
    [64, 2],
    [128, 2],
    [256, 3],
    [512, 3],
    [512, 3],
  ];
  blocks.forEach(([filters, convs], b) => {
    for (let c = 1; c <= convs; c++) {
      layers.push(
        conv2d({
          filters,
          kernelSize: 3,
          activation: 'relu',
          padding: 'same',
          name: `block${b + 1}_conv${c}`,
        }) as never,
      );
    }
    layers.push(maxPooling2d({ poolSize: 2, name: `block${b + 1}_pool` }) as never);
  });
  return sequential(layers, { name: 'vgg16', className: 'Model' });
}

describe('summary() prints the Keras table', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });
  beforeEach(() => resetLayerNames());

  it('matches the chapter for the MNIST convnet (93,322 params)', () => {
    const model = mnistConvnet();
    expect(model.countParams()).toBe(93322);
    const expected = chapterTable(0);
    const got = lines(model);
    expect(got).toEqual(expected);
    expect(got[got.length - 4]).toBe('Total params: 93,322');
    model.dispose();
  });

  it('matches the chapter for the cats-and-dogs convnet (3,453,121 params)', () => {
    const model = sequential([], { name: 'sequential_4' });
    [32, 64, 128, 128].forEach((filters, i) => {
      model.add(
        conv2d({
          filters,
          kernelSize: 3,
          activation: 'relu',
          name: `conv2d_${16 + i}`,
          ...(i === 0 ? { inputShape: [150, 150, 3] } : {}),
        }),
      );
      model.add(maxPooling2d({ poolSize: 2, name: `max_pooling2d_${16 + i}` }));
    });
    model.add(flatten({ name: 'flatten_4' }));
    model.add(dense({ units: 512, activation: 'relu', name: 'dense_8' }));
    model.add(dense({ units: 1, activation: 'sigmoid', name: 'dense_9' }));
    expect(lines(model)).toEqual(chapterTable(1));
    model.dispose();
  });

  it('matches the chapter for the cats-and-dogs convnet with dropout (3,453,121 params)', () => {
    const names = (i: number) => [`conv2d_${20 + i}`, `max_pooling2d_${20 + i}`];
    const model = sequential([], { name: 'sequential_5' });
    for (let i = 0; i < 4; i++) {
      const [c, p] = names(i);
      const filters = [32, 64, 128, 128][i];
      model.add(
        conv2d({
          filters,
          kernelSize: 3,
          activation: 'relu',
          name: c,
          ...(i === 0 ? { inputShape: [150, 150, 3] } : {}),
        }),
      );
      model.add(maxPooling2d({ poolSize: 2, name: p }));
    }
    model.add(flatten({ name: 'flatten_5' }));
    model.add(dropout({ rate: 0.5 }));
    model.add(dense({ units: 512, activation: 'relu', name: 'dense_10' }));
    model.add(dense({ units: 1, activation: 'sigmoid', name: 'dense_11' }));
    expect(model.countParams()).toBe(3453121);
    const expected = chapterTable(6);
    expect(lines(model)).toEqual(expected);
    model.dispose();
  });

  it('matches the chapter for a nested VGG16 base, before and after freezing it', () => {
    const base = vgg16Base();
    expect(base.countParams()).toBe(14714688);
    const baseTable = chapterTable(2);
    expect(lines(base)).toEqual(baseTable);

    const model = sequential(
      [
        base,
        flatten({ name: 'flatten' }),
        dense({ units: 256, activation: 'relu', name: 'dense_2' }),
        dense({ units: 1, activation: 'sigmoid', name: 'dense_3' }),
      ],
      { name: 'sequential_1' },
    );
    expect(model.countParams()).toBe(16812353);
    const before = chapterTable(3);
    expect(lines(model)).toEqual(before);
    base.trainable = false;
    expect(model.trainableWeights.reduce((n, w) => n + w.shape.reduce((a, b) => a * b, 1), 0)).toBe(2097665);
    const frozenBase = chapterTable(5);
    expect(lines(base)).toEqual(frozenBase);
    const after = chapterTable(4);
    const got = lines(model);
    expect(got).toEqual(after);
    expect(got.slice(-4, -1)).toEqual([
      'Total params: 16,812,353',
      'Trainable params: 2,097,665',
      'Non-trainable params: 14,714,688',
    ]);
    model.dispose();
  });
});
