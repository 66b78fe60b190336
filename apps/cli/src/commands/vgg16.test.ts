import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convkit, errorLines, makeTrainedModel, pngSize, tempDir } from '../testing/cli';

// Keras's real VGG16 weights are not on these machines: the pretrained-vgg16 package's reference
// script writes files of the exact Keras layout with random weights (Debian's python3-h5py).
const PYTHON = '/usr/bin/python3';
const SCRIPT = fileURLToPath(
  new URL('../../../../packages/pretrained-vgg16/src/testdata/vgg16_reference.py', import.meta.url),
);
const available =
  existsSync(PYTHON) && existsSync(SCRIPT) && spawnSync(PYTHON, ['-c', 'import h5py, numpy']).status === 0;
if (!available) console.warn(`Skipping VGG16 CLI tests: needs ${PYTHON} with h5py and numpy, and ${SCRIPT}.`);

describe.skipIf(!available)('convkit with VGG16 weights (random, Keras layout)', () => {
  const tmp = tempDir();
  const keras = join(tmp.dir, 'keras');
  const models = join(keras, 'models');
  const notop = join(models, 'vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5');
  const top = join(models, 'vgg16_weights_tf_dim_ordering_tf_kernels.h5');
  const env = { KERAS_HOME: keras };
  const wasm = ['--backend', 'wasm', '--seed', '1'];
  let fx: { data: string; model: string };
  beforeAll(async () => {
    mkdirSync(models, { recursive: true });
    for (const [file, args] of [
      [notop, ['--variant', 'notop']],
      [top, ['--variant', 'top', '--input', '32', '32']],
    ] as const) {
      const r = spawnSync(PYTHON, [SCRIPT, 'write', file, ...args], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
    }
    fx = await makeTrainedModel(tmp.dir);
  }, 240_000);
  afterAll(tmp.cleanup);

  it('features: VGG16 features of every split, then a dense classifier on them', async () => {
    const out = join(tmp.dir, 'features');
    const r = await convkit(
      ['features', fx.data, '--target-size', '32', '--epochs', '2', '--out', out, '--json', ...wasm],
      { env },
    );
    expect(r.status, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result.featureShape).toEqual([1, 1, 512]);
    expect(result.samples).toEqual({ train: 16, validation: 8, test: 8 });
    expect(result.history.val_acc).toHaveLength(2);
    expect(result.test.acc).toBeGreaterThanOrEqual(0);
    expect(pngSize(join(out, 'accuracy.png'))).toEqual({ width: 640, height: 420 });
  });

  it('features --tune-conv2d is refused off WebGPU, before any work', async () => {
    // On WebGPU (lavapipe here) the tuning run takes minutes: it compiles some 170 shaders for
    // VGG16's 9 layer shapes. extractFeatures' tuneConv2d, which it passes on, has its own tests.
    const r = await convkit(['features', fx.data, '--target-size', '32', '--tune-conv2d', ...wasm], { env });
    expect(r.status).toBe(2);
    expect(errorLines(r.stderr)[0]).toMatch(
      /--tune-conv2d times conv2d kernels on WebGPU, and the backend is wasm: add --backend webgpu/,
    );
  });

  it('fine-tune: classifier on the frozen base, then block5 unfrozen', async () => {
    const out = join(tmp.dir, 'fine');
    const r = await convkit(
      [
        'fine-tune',
        fx.data,
        '--target-size',
        '32',
        '--head-epochs',
        '1',
        '--epochs',
        '1',
        '--steps-per-epoch',
        '1',
        '--out',
        out,
        '--json',
        ...wasm,
      ],
      { env },
    );
    expect(r.status, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result.unfrozen).toEqual(['block5_conv1', 'block5_conv2', 'block5_conv3', 'block5_pool']);
    expect(result.head.loss).toHaveLength(1);
    expect(result.fine.loss).toHaveLength(1);
    expect(existsSync(join(out, 'model', 'model.json'))).toBe(true);
    const bad = await convkit(
      [
        'fine-tune',
        fx.data,
        '--from',
        'block9_conv1',
        '--out',
        join(tmp.dir, 'f2'),
        '--target-size',
        '32',
        ...wasm,
      ],
      { env },
    );
    expect(bad.status).toBe(2);
    expect(errorLines(bad.stderr)[0]).toMatch(/No layer named 'block9_conv1'/);
  });

  it('vgg16 convert: Keras .h5 to model.json + shards, float16 halves the bytes', async () => {
    const a = JSON.parse(
      (await convkit(['vgg16', 'convert', notop, join(tmp.dir, 'f32'), '--json', ...wasm])).stdout,
    );
    const b = JSON.parse(
      (await convkit(['vgg16', 'convert', notop, join(tmp.dir, 'f16'), '--float16', '--json', ...wasm]))
        .stdout,
    );
    expect(a.includeTop).toBe(false);
    expect(a.weightBytes).toBe(14_714_688 * 4);
    expect(b.weightBytes).toBe(14_714_688 * 2);
    expect(readdirSync(join(tmp.dir, 'f16'))).toContain('model.json');
    const again = await convkit(['vgg16', 'convert', notop, join(tmp.dir, 'f32'), ...wasm]);
    expect(again.status).toBe(2);
    const junk = await convkit([
      'vgg16',
      'convert',
      join(tmp.dir, 'f32', 'model.json'),
      join(tmp.dir, 'x'),
      ...wasm,
    ]);
    expect(junk.status).toBe(2);
    expect(errorLines(junk.stderr)[0]).toMatch(/not a Keras HDF5 weights file/);
  });

  it('predict --vgg16 decodes ImageNet classes; gradcam --vgg16 explains block5_conv3', async () => {
    const image = join(fx.data, 'test', 'cat', readdirSync(join(fx.data, 'test', 'cat'))[0]);
    const p = await convkit(['predict', image, '--vgg16', '--top', '3', '--json', ...wasm], { env });
    expect(p.status, p.stderr).toBe(0);
    const [prediction] = JSON.parse(p.stdout).predictions;
    expect(prediction.top).toHaveLength(3);
    for (const t of prediction.top) {
      expect(t.index).toBeGreaterThanOrEqual(0);
      expect(t.index).toBeLessThan(1000);
      expect(typeof t.class).toBe('string');
    }
    const out = join(tmp.dir, 'cam');
    const g = await convkit(['gradcam', image, '--vgg16', '--out', out, '--json', ...wasm], { env });
    expect(g.status, g.stderr).toBe(0);
    expect(JSON.parse(g.stdout).heatmaps[0]).toMatchObject({
      layer: 'block5_conv3',
      classIndex: prediction.top[0].index,
    });
  });
});
