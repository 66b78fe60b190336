import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gradCam } from '@convkit/explain-gradcam';
import { conv2d, dense, flatten, maxPooling2d, sequential, setSeed } from '@convkit/layers';
import { saveModel } from '@convkit/layers/node';
import { createRandom, initBackend } from '@convkit/tensor';
import * as tf from '@tensorflow/tfjs-core';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launchChromium } from './browser';
import { serveStatic } from './static-server';

/**
 * WebGL in the browser against cpu in node: the same saved model and input must give the same
 * predictions and Grad-CAM heatmap within the stated tolerance. SwiftShader's WebGL runs float32
 * here; the measured gap is printed so the README can state it.
 */
const TOLERANCE = { predictions: 1e-4, heatmap: 1e-3 };

describe.skipIf(!hasChromium)('cross-backend parity: webgl in Chromium vs cpu in node', () => {
  const dir = mkdtempSync(join(tmpdir(), 'convkit-parity-'));
  let browser: Browser;
  let server: Server;
  let url: string;
  const input = Array.from(
    { length: 2 * 32 * 32 * 3 },
    (
      (rng) => () =>
        rng.next()
    )(createRandom(7)),
  );
  let expected: { predictions: number[]; heatmaps: number[][] } = { predictions: [], heatmaps: [] };
  let classIndex = 0;

  beforeAll(async () => {
    await initBackend('cpu');
    setSeed(3);
    const model = sequential([
      conv2d({ filters: 8, kernelSize: 3, activation: 'relu', inputShape: [32, 32, 3] }),
      maxPooling2d({ poolSize: 2 }),
      conv2d({ filters: 16, kernelSize: 3, activation: 'relu' }),
      flatten(),
      dense({ units: 5, activation: 'softmax' }),
    ]);
    await saveModel(model, join(dir, 'model'));
    const x = tf.tensor4d(input, [2, 32, 32, 3]);
    const predictions = Array.from(await (model.predict(x) as tf.Tensor).data());
    // A class whose heatmaps are not all zero (after the ReLU) for both images.
    for (classIndex = 0; classIndex < 5; classIndex++) {
      const cam = await gradCam(model, x, { classIndex });
      expected = { predictions, heatmaps: cam.heatmaps.map((h) => Array.from(h.data)) };
      if (expected.heatmaps.every((h) => Math.max(...h) > 0)) break;
    }
    x.dispose();
    ({ url, server } = await serveStatic(fileURLToPath(new URL('../dist', import.meta.url)), {
      '/parity/': dir,
    }));
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it(`predictions within ${TOLERANCE.predictions} and Grad-CAM within ${TOLERANCE.heatmap}`, async () => {
    const page = await browser.newPage();
    await page.goto(`${url}?backend=webgl`);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 120_000 });
    const got = await page.evaluate(
      async ({ modelUrl, input, classIndex }) => {
        const { tf, loadModel, gradCam } = (globalThis as any).convkit;
        const model = await loadModel(modelUrl);
        const x = tf.tensor4d(input, [2, 32, 32, 3]);
        const predictions: number[] = Array.from(await model.predict(x).data());
        const cam = await gradCam(model, x, { classIndex });
        const heatmaps: number[][] = cam.heatmaps.map((h: { data: Float32Array }) => Array.from(h.data));
        return { backend: tf.getBackend() as string, predictions, heatmaps };
      },
      { modelUrl: `${url}parity/model/model.json`, input, classIndex },
    );
    expect(got.backend).toBe('webgl');
    // Heatmaps normalised to a max of 1: a test on all-zero maps would prove nothing.
    for (const h of expected.heatmaps) expect(Math.max(...h)).toBeCloseTo(1, 6);
    const maxDiff = (a: number[], b: number[]) => Math.max(...a.map((v, i) => Math.abs(v - b[i])));
    const predGap = maxDiff(got.predictions, expected.predictions);
    const camGap = Math.max(...got.heatmaps.map((h, i) => maxDiff(h, expected.heatmaps[i])));
    console.log(
      `parity webgl vs cpu: predictions max |diff| ${predGap.toExponential(2)}, Grad-CAM max |diff| ${camGap.toExponential(2)}`,
    );
    expect(predGap).toBeLessThan(TOLERANCE.predictions);
    expect(camGap).toBeLessThan(TOLERANCE.heatmap);
  });
  it('trains on WebGL as cpu does: RMSprop steps through the fused update kernels give the same weights (1e-4)', async () => {
    // The same compiled model (saved with its RMSprop config) trained on the same batches,
    // without shuffling, in node on cpu and in the browser on WebGL.
    await initBackend('cpu');
    setSeed(5);
    const model = sequential([
      conv2d({ filters: 4, kernelSize: 3, activation: 'relu', inputShape: [8, 8, 1] }),
      maxPooling2d({ poolSize: 2 }),
      flatten(),
      dense({ units: 3, activation: 'softmax' }),
    ]);
    model.compile({ optimizer: 'rmsprop', loss: 'categorical_crossentropy' });
    await saveModel(model, join(dir, 'trainable'));
    const images = Array.from({ length: 16 * 64 }, (_, i) => ((i * 37) % 101) / 101);
    const labels = Array.from({ length: 16 }, (_, i) => [
      i % 3 === 0 ? 1 : 0,
      i % 3 === 1 ? 1 : 0,
      i % 3 === 2 ? 1 : 0,
    ]).flat();
    const fitArgs = { epochs: 2, batchSize: 4, shuffle: false };
    const x = tf.tensor4d(images, [16, 8, 8, 1]);
    const y = tf.tensor2d(labels, [16, 3]);
    await model.fit(x, y, fitArgs);
    const want: number[][] = [];
    for (const w of model.getWeights()) want.push(Array.from(await w.data()));
    tf.dispose([x, y]);

    const page = await browser.newPage();
    await page.goto(`${url}?backend=webgl`);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 120_000 });
    const got = await page.evaluate(
      async ({ modelUrl, images, labels, fitArgs }) => {
        const { tf, loadModel } = (globalThis as any).convkit;
        const model = await loadModel(modelUrl);
        const x = tf.tensor4d(images, [16, 8, 8, 1]);
        const y = tf.tensor2d(labels, [16, 3]);
        const profile = await tf.profile(() => model.fit(x, y, fitArgs));
        const weights: number[][] = [];
        for (const w of model.getWeights()) weights.push(Array.from(await w.data()));
        const kernels: string[] = profile.kernels.map((k: { name: string }) => k.name);
        return {
          backend: tf.getBackend() as string,
          weights,
          fused: kernels.filter((k) => k === 'ConvkitElementwise').length,
        };
      },
      { modelUrl: `${url}parity/trainable/model.json`, images, labels, fitArgs },
    );
    expect(got.backend).toBe('webgl');
    // 8 steps: 4 weights x 2 outputs of the RMSprop formula, and relu's gradient once.
    expect(got.fused).toBe(8 * (4 * 2 + 1));
    const gap = Math.max(
      ...got.weights.map((w, i) => {
        const scale = Math.max(...want[i].map(Math.abs));
        return Math.max(...w.map((v, j) => Math.abs(v - want[i][j]))) / scale;
      }),
    );
    console.log(
      `parity webgl vs cpu after 8 RMSprop steps: largest relative weight difference ${gap.toExponential(2)}`,
    );
    expect(gap).toBeLessThan(1e-4);
  });
});
