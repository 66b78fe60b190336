import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convkit, errorLines, makeTrainedModel, pngSize, tempDir } from '../testing/cli';

// evaluate, predict, activations, filters and gradcam on one small trained model.
const tmp = tempDir();
let fx: { data: string; run: string; model: string };
beforeAll(async () => {
  fx = await makeTrainedModel(tmp.dir);
}, 120_000);
afterAll(tmp.cleanup);

const cat = () => join(fx.data, 'test', 'cat', readdirSync(join(fx.data, 'test', 'cat'))[0]);
const wasm = ['--backend', 'wasm'];

async function expectUserError(args: string[], message: RegExp) {
  const r = await convkit([...args, ...wasm]);
  expect(r.status, `${args.join(' ')}: ${r.stderr}`).toBe(2);
  const lines = errorLines(r.stderr);
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(message);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

describe('convkit evaluate', () => {
  it('reports loss and accuracy on the test split', async () => {
    const r = await convkit(['evaluate', fx.model, fx.data, '--json', ...wasm]);
    expect(r.status, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result.samples).toBe(8);
    expect(result.acc).toBeGreaterThanOrEqual(0);
    expect(result.acc).toBeLessThanOrEqual(1);
    expect(result.loss).toBeGreaterThan(0);
  });

  it('errors: missing model, a folder that is not a model, a file that is not one, missing data', async () => {
    const notModel = join(tmp.dir, 'not-a-model');
    mkdirSync(notModel, { recursive: true });
    const junk = join(tmp.dir, 'junk.h5');
    writeFileSync(junk, 'this is not HDF5');
    await expectUserError(['evaluate', join(tmp.dir, 'nope'), fx.data], /Model .* does not exist/);
    await expectUserError(['evaluate', notModel, fx.data], /without model\.json/);
    await expectUserError(['evaluate', junk, fx.data], /junk\.h5/);
    await expectUserError(['evaluate', fx.model, join(tmp.dir, 'no-data')], /does not exist/);
  });

  it('predict resizes images to the input size of a model trained at another size', async () => {
    const other = join(tmp.dir, 'other');
    const args = [
      'train',
      fx.data,
      '--target-size',
      '50',
      '--width',
      '0.25',
      '--epochs',
      '1',
      '--batch-size',
      '8',
      '--out',
      other,
      '--quiet',
    ];
    expect((await convkit([...args, ...wasm])).status).toBe(0);
    const r = await convkit(['predict', cat(), '--model', join(other, 'model'), '--json', ...wasm]);
    expect(r.status, r.stderr).toBe(0); // predict resizes to the model's input
  });
});

describe('convkit predict', () => {
  it('gives the top classes with the names saved by train', async () => {
    const r = await convkit(['predict', cat(), '--model', fx.model, '--top', '2', '--json', ...wasm]);
    expect(r.status, r.stderr).toBe(0);
    const [p] = JSON.parse(r.stdout).predictions;
    expect(p.top.map((t: { class: string }) => t.class).sort()).toEqual(['cat', 'dog']);
    expect(p.top[0].probability + p.top[1].probability).toBeCloseTo(1, 5);
    expect(p.top[0].probability).toBeGreaterThanOrEqual(p.top[1].probability);
  });

  it('errors: neither --model nor --vgg16, a missing image, VGG16 weights not found', async () => {
    await expectUserError(['predict', cat()], /either --model PATH or --vgg16/);
    await expectUserError(
      ['predict', join(tmp.dir, 'missing.jpg'), '--model', fx.model],
      /missing\.jpg does not exist/,
    );
    const r = await convkit(['predict', cat(), '--vgg16', ...wasm], {
      env: { KERAS_HOME: join(tmp.dir, 'empty') },
    });
    expect(r.status).toBe(2);
    expect(errorLines(r.stderr)[0]).toMatch(/VGG16 weights not found.*convkit vgg16 download --top/);
  });
});

describe('convkit activations', () => {
  it('writes one grid per conv and pooling layer', async () => {
    const out = join(tmp.dir, 'act');
    const r = await convkit(['activations', fx.model, cat(), '--out', out, '--json', ...wasm]);
    expect(r.status, r.stderr).toBe(0);
    const { layers } = JSON.parse(r.stdout);
    expect(layers.map((l: { layer: string }) => l.layer)).toEqual([
      'conv2d',
      'max_pooling2d',
      'conv2d_1',
      'max_pooling2d_1',
      'conv2d_2',
      'max_pooling2d_2',
      'conv2d_3',
      'max_pooling2d_3',
    ]);
    // conv2d: 8 channels of 46x46 in one row.
    expect(pngSize(join(out, 'conv2d.png'))).toEqual({ width: 8 * 46, height: 46 });
  });

  it('an unknown layer name lists the valid ones (exit 2), and nothing is left behind', async () => {
    const out = join(tmp.dir, 'act2');
    await expectUserError(
      ['activations', fx.model, cat(), '--layers', 'conv9', '--out', out],
      /No layer named 'conv9'.*conv2d, max_pooling2d/,
    );
    expect(existsSync(out)).toBe(false);
  });
});

describe('convkit filters', () => {
  it('writes the grid of filter patterns of a layer', async () => {
    const out = join(tmp.dir, 'filters.png');
    const r = await convkit([
      'filters',
      fx.model,
      '--layer',
      'conv2d_1',
      '--count',
      '4',
      '--steps',
      '3',
      '--out',
      out,
      '--json',
      ...wasm,
    ]);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ layer: 'conv2d_1', filters: 4 });
    // Model input is fixed at 48x48: 2x2 patterns of 48 with a 5-pixel margin.
    expect(pngSize(out)).toEqual({ width: 2 * 48 + 5, height: 2 * 48 + 5 });
  });

  it('errors: unknown layer, too many filters, missing --layer', async () => {
    await expectUserError(
      ['filters', fx.model, '--layer', 'nope', '--out', join(tmp.dir, 'f1.png')],
      /No layer named 'nope'/,
    );
    await expectUserError(
      ['filters', fx.model, '--layer', 'conv2d', '--count', '99', '--out', join(tmp.dir, 'f2.png')],
      /filter|99/,
    );
    expect((await convkit(['filters', fx.model])).status).toBe(2);
  });
});

describe('convkit gradcam', () => {
  it('writes one overlay per image, explaining the top class', async () => {
    const out = join(tmp.dir, 'cam');
    const dog = join(fx.data, 'test', 'dog', readdirSync(join(fx.data, 'test', 'dog'))[0]);
    const r = await convkit(['gradcam', cat(), dog, '--model', fx.model, '--out', out, '--json', ...wasm]);
    expect(r.status, r.stderr).toBe(0);
    const { heatmaps } = JSON.parse(r.stdout);
    expect(heatmaps).toHaveLength(2);
    expect(heatmaps[0].layer).toBe('conv2d_3');
    for (const h of heatmaps) {
      expect(['cat', 'dog']).toContain(h.className);
      expect(pngSize(h.file)).toEqual({ width: 192, height: 192 });
    }
    const chosen = await convkit([
      'gradcam',
      cat(),
      '--model',
      fx.model,
      '--class',
      '1',
      '--out',
      join(tmp.dir, 'cam1'),
      '--json',
      ...wasm,
    ]);
    expect(JSON.parse(chosen.stdout).heatmaps[0]).toMatchObject({ classIndex: 1, className: 'dog' });
  });

  it('errors: class out of range, a layer without spatial output, not clobbering', async () => {
    await expectUserError(
      ['gradcam', cat(), '--model', fx.model, '--class', '5', '--out', join(tmp.dir, 'c1')],
      /class index 5 is out of range/,
    );
    await expectUserError(
      ['gradcam', cat(), '--model', fx.model, '--layer', 'dense', '--out', join(tmp.dir, 'c2')],
      /dense/,
    );
    await expectUserError(
      ['gradcam', cat(), '--model', fx.model, '--out', join(tmp.dir, 'cam')],
      /already exists/,
    );
  });
});
