import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convkit, errorLines, pngSize, tempDir } from '../testing/cli';
import { QUICK_TOUR } from '../tour/settings';

const FASHION = '/usr/share/datasets/fashion-mnist';

describe('convkit tour --quick', () => {
  const tmp = tempDir();
  const out = join(tmp.dir, 'report');
  let results: Record<string, any>;
  let wall = 0;
  beforeAll(async () => {
    const started = Date.now();
    const r = await convkit(['tour', '--quick', '--out', out, '--seed', '3', '--json'], {
      env: { KERAS_HOME: join(tmp.dir, 'no-keras') },
    });
    wall = (Date.now() - started) / 1000;
    expect(r.status, r.stderr).toBe(0);
    results = JSON.parse(r.stdout);
  }, 240_000);
  afterAll(tmp.cleanup);

  it('writes index.html and results.json, and the JSON on stdout is results.json', async () => {
    expect(JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'))).toEqual(results);
    const html = readFileSync(join(out, 'index.html'), 'utf8');
    for (const file of results.files.filter((f: string) => f.endsWith('.png'))) {
      if (file.startsWith('models/') || file.startsWith('tensorboard/')) continue;
      expect(html, `index.html shows ${file}`).toContain(`src="${file}"`);
    }
    expect(results.quick).toBe(true);
    expect(results.seed).toBe(3);
    expect(results.backend.summary).toMatch(/^Backend: /);
    expect(results.wallSeconds).toBeLessThan(wall);
  });

  it('every promised picture is a PNG of the expected size', async () => {
    const s = QUICK_TOUR.imageSize;
    const expected: Record<string, { width: number; height: number }> = {
      'pictures/samples.png': { width: 8 * s + 9 * 2, height: 2 * s + 3 * 2 },
      'pictures/augmented-cat.png': { width: 4 * s + 3 * 4, height: s },
      'pictures/activation-input.png': { width: s, height: s },
      'plots/plain-accuracy.png': { width: 640, height: 420 },
      'plots/plain-loss.png': { width: 640, height: 420 },
      'plots/augmented-accuracy.png': { width: 640, height: 420 },
      'plots/augmented-loss.png': { width: 640, height: 420 },
    };
    const side = Math.ceil(Math.sqrt(QUICK_TOUR.filters.count));
    expect(results.explain.filters.length).toBeGreaterThanOrEqual(1);
    for (const f of results.explain.filters) {
      expected[f.file] = { width: side * s + (side - 1) * 5, height: side * s + (side - 1) * 5 };
    }
    for (const cam of results.explain.gradcam) expected[cam.file] = { width: 192, height: 192 };
    // Activation grids: channels / imagesPerRow rows of feature-map tiles.
    for (const layer of results.explain.activations.layers) {
      expect(layer.className).toMatch(/Conv2D|MaxPooling2D/);
      expected[layer.file] = { width: layer.width, height: layer.height };
    }
    const first = results.explain.activations.layers[0];
    expect(first).toMatchObject({ className: 'Conv2D', width: first.channels * (s - 2), height: s - 2 });
    expect(results.explain.activations.layers.length).toBe(8);
    expect(results.explain.gradcam).toHaveLength(QUICK_TOUR.gradcamImages);
    if (existsSync(FASHION))
      expected['pictures/fashion-mnist-samples.png'] = { width: 10 * 28 + 11 * 2, height: 2 * 28 + 3 * 2 };
    for (const [file, size] of Object.entries(expected)) {
      expect(existsSync(join(out, file)), file).toBe(true);
      expect(pngSize(join(out, file)), file).toEqual(size);
      expect(results.files).toContain(file);
    }
  });

  it('reports training, validation and test accuracy of both runs, in range', async () => {
    for (const run of ['plain', 'augmented']) {
      const r = results[run];
      expect(r.epochs).toBe(run === 'plain' ? QUICK_TOUR.plainEpochs : QUICK_TOUR.augmentedEpochs);
      expect(r.history.val_acc).toHaveLength(r.epochs);
      for (const v of [r.final.acc, r.final.val_acc, r.test.acc, r.bestValAcc]) {
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThanOrEqual(1);
      }
      expect(r.final.val_loss).toBeGreaterThan(0);
      expect(existsSync(join(out, r.model, 'model.json'))).toBe(true);
    }
    expect(results.augmented.dropout).toBe(0.5);
    expect(results.augmented.augmentation).toMatchObject({ rotationRange: 40, horizontalFlip: true });
    expect(results.plain.dropout).toBe(0);
  });

  it('says in one line how to get the VGG16 weights when they are missing', async () => {
    expect(results.vgg16.status).toBe('skipped');
    expect(results.vgg16.reason).toMatch(
      /vgg16_weights_tf_dim_ordering_tf_kernels_notop\.h5.*convkit vgg16 download/,
    );
  });

  it.skipIf(!existsSync(FASHION))('trains the first convnet on Fashion-MNIST', () => {
    const f = results.fashionMnist;
    expect(f.status).toBe('done');
    expect(f).toMatchObject({ trainSamples: QUICK_TOUR.fashion.train, testSamples: QUICK_TOUR.fashion.test });
    expect(f.test.acc).toBeGreaterThan(0.3); // well above chance (0.1) even after one short epoch
    expect(f.test.acc).toBeLessThanOrEqual(1);
  });

  it('does not clobber the report without --force, and exits 2', async () => {
    writeFileSync(join(out, 'note.txt'), 'mine');
    const r = await convkit(['tour', '--quick', '--out', out]);
    expect(r.status).toBe(2);
    expect(errorLines(r.stderr)).toEqual([expect.stringMatching(/already exists and is not empty.*--force/)]);
    expect(readFileSync(join(out, 'note.txt'), 'utf8')).toBe('mine');
  });
});

/**
 * The whole quick tour on WebGPU (training, augmentation grids, activations, filter patterns,
 * Grad-CAM, Fashion-MNIST) where a WebGPU adapter starts: Mesa's lavapipe in CI. It must give
 * the wasm run's numbers: the same seed draws the same weights, batches and augmentations.
 */
describe('convkit tour --quick --backend webgpu', () => {
  const tmp = tempDir();
  afterAll(tmp.cleanup);

  it('gives the numbers of the same tour on wasm', async (ctx) => {
    const doctor = JSON.parse((await convkit(['doctor', '--json'])).stdout);
    const webgpu = doctor.backends.find((b: { name: string }) => b.name === 'webgpu');
    if (!webgpu.starts) ctx.skip();
    const runs: Record<string, Record<string, any>> = {};
    for (const backend of ['wasm', 'webgpu']) {
      const args = ['tour', '--quick', '--out', join(tmp.dir, backend), '--seed', '3', '--json'];
      const r = await convkit([...args, '--backend', backend], {
        env: { KERAS_HOME: join(tmp.dir, 'no-keras') },
      });
      expect(r.status, r.stderr).toBe(0);
      runs[backend] = JSON.parse(r.stdout);
    }
    expect(runs.webgpu.backend.summary).toMatch(/using webgpu/);
    for (const run of ['plain', 'augmented']) {
      const [gpu, wasm] = [runs.webgpu[run], runs.wasm[run]];
      gpu.history.loss.forEach((loss: number, i: number) => {
        expect(Math.abs(loss - wasm.history.loss[i]) / wasm.history.loss[i]).toBeLessThan(1e-3);
      });
      expect(gpu.test.acc).toBe(wasm.test.acc);
    }
    // The same pictures and models (TensorBoard's file names carry a time and a process id).
    const named = (files: string[]) => files.filter((f) => !f.startsWith('tensorboard/'));
    expect(named(runs.webgpu.files)).toEqual(named(runs.wasm.files));
  }, 300_000);
});
