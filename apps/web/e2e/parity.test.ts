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
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launchChromium } from './browser';
import { serveStatic } from './static-server';

/**
 * WebGL and WebGPU in the browser against cpu in node: the same saved model and input must give
 * the same predictions and Grad-CAM heatmap within the stated tolerance, and training the same
 * weights. SwiftShader's WebGL and WebGPU run float32 here; the measured gaps are printed so the
 * README can state them.
 */
const TOLERANCE = { predictions: 1e-4, heatmap: 1e-3 };

/** The browser backends under test, and the layouts of the tensors formulas read and write. */
const BACKENDS = [
  { backend: 'webgl', layouts: ['packed', 'unpacked'] },
  { backend: 'webgpu', layouts: ['buffers'] },
] as const;

for (const { backend, layouts } of BACKENDS) {
  describe.skipIf(!hasChromium)(`cross-backend parity: ${backend} in Chromium vs cpu in node`, () => {
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
    /** Why the backend did not start in Chromium; its tests are skipped then. */
    let unavailable: string | undefined;

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
      const page = await openPage();
      const started = await page.evaluate(() => (globalThis as any).convkit.tf.getBackend() as string);
      await page.close();
      if (started !== backend) {
        unavailable = `${backend} did not start in Chromium (the app fell back to ${started})`;
        console.warn(`skipping the ${backend} parity tests: ${unavailable}`);
      }
    });
    afterAll(async () => {
      await browser?.close();
      server?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    /** A new tab on the built app, started on the backend under test. */
    async function openPage(): Promise<Page> {
      const page = await browser.newPage();
      await page.goto(`${url}?backend=${backend}`);
      await page.waitForSelector('body[data-ready="true"]', { timeout: 120_000 });
      return page;
    }

    it(`predictions within ${TOLERANCE.predictions} and Grad-CAM within ${TOLERANCE.heatmap}`, async (ctx) => {
      if (unavailable) ctx.skip();
      const page = await openPage();
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
      expect(got.backend).toBe(backend);
      // Heatmaps normalised to a max of 1: a test on all-zero maps would prove nothing.
      for (const h of expected.heatmaps) expect(Math.max(...h)).toBeCloseTo(1, 6);
      const maxDiff = (a: number[], b: number[]) => Math.max(...a.map((v, i) => Math.abs(v - b[i])));
      const predGap = maxDiff(got.predictions, expected.predictions);
      const camGap = Math.max(...got.heatmaps.map((h, i) => maxDiff(h, expected.heatmaps[i])));
      console.log(
        `parity ${backend} vs cpu: predictions max |diff| ${predGap.toExponential(2)}, Grad-CAM max |diff| ${camGap.toExponential(2)}`,
      );
      expect(predGap).toBeLessThan(TOLERANCE.predictions);
      expect(camGap).toBeLessThan(TOLERANCE.heatmap);
    });
    it(`the fused ${backend} training kernels give what the tfjs ops give on cpu (1e-5)`, async (ctx) => {
      if (unavailable) ctx.skip();
      // Predictions with what the clip and normalisation must handle: exact 0 and 1, values below
      // epsilon, rows that do not sum to 1, ties for the argmax; 5 units, so not a power of 2.
      const preds = [
        [0.6, 0.2, 0.1, 0, 0.1],
        [1, 0, 0, 0, 0],
        [0.2, 0.2, 0.2, 0.2, 0.2],
        [0.1, 0.6, 0.3, 0.5, 0.9],
        [1e-9, 0.5, 0.5, 0.2, 0.3],
        [0.05, 0.05, 0.7, 0.1, 0.4],
        [0.3, 0.3, 0.1, 0.9, 1e-8],
      ];
      const classes = [0, 1, 0, 3, 1, 2, 4]; // rows 2 and 4 tie, first at the label
      const binary = preds.map((row, i) => row.map((_, j) => ((i + j) % 3 === 0 ? 1 : 0)));
      // Inputs made here: sin and cos on the GPU differ from cpu's in the 5th digit.
      const softmaxInputs = {
        logits: Array.from({ length: 42 }, (_, i) => 3 * Math.sin(i)),
        weights: Array.from({ length: 42 }, (_, i) => Math.cos(i)),
      };
      const { want, got } = await (await openPage()).evaluate(
        async ({ backend, preds, classes, binary, softmaxInputs }) => {
          const { tf, initBackend, ensureGradients, getLoss, getMetric, fusedAddSums } = (globalThis as any)
            .convkit;
          ensureGradients();
          const units = preds[0].length;
          // [loss, labels, predictions]; the last is one sigmoid unit, as the cats-and-dogs net has.
          const cases: [string, () => unknown, number[][]][] = [
            [
              'categorical_crossentropy',
              () => tf.cast(tf.oneHot(tf.tensor1d(classes, 'int32'), units), 'float32'),
              preds,
            ],
            ['sparse_categorical_crossentropy', () => tf.tensor1d(classes, 'int32'), preds],
            ['sparse_categorical_crossentropy', () => tf.tensor1d(classes), preds],
            ['binary_crossentropy', () => tf.tensor2d(binary), preds],
            [
              'binary_crossentropy',
              () => tf.tensor2d(binary.map((row) => [row[0]])),
              preds.map((row) => [row[3]]),
            ],
          ];
          const read = async (t: any): Promise<number[]> => Array.from(await t.data());
          async function compute() {
            const out: { values: number[][]; kernels: string[] } = { values: [], kernels: [] };
            const weights = tf.tensor1d(preds.map((_, i) => (i % 2 ? -1 : 1) * (i + 1)));
            for (const [name, labels, values] of cases) {
              const loss = getLoss(name);
              const metric = getMetric('accuracy', loss, values[0].length);
              const t = labels();
              const p = tf.tensor2d(values);
              const profile = await tf.profile(() => [
                loss.perSample(t, p),
                metric.perSample(t, p),
                tf.grad((x: unknown) => tf.sum(tf.mul(loss.perSample(t, x), weights)))(p),
              ]);
              for (const r of profile.result) out.values.push(await read(r));
              out.kernels.push(...profile.kernels.map((k: { name: string }) => k.name));
            }
            // Softmax's gradient, over the last axis of a rank-3 tensor.
            const logits = tf.tensor3d(softmaxInputs.logits, [2, 3, 7]);
            const w = tf.tensor1d(softmaxInputs.weights);
            const profile = await tf.profile(() =>
              tf.grad((x: unknown) => tf.sum(tf.mul(tf.reshape(tf.softmax(x), [42]), w)))(logits),
            );
            out.values.push(await read(profile.result));
            out.kernels.push(...profile.kernels.map((k: { name: string }) => k.name));
            return out;
          }
          await initBackend('cpu');
          const want = await compute();
          await initBackend(backend);
          const got = await compute();
          const sums = fusedAddSums(tf.tensor1d([1, -2, 0.5]), [
            tf.range(0, 64),
            tf.ones([64]),
            tf.linspace(-1, 1, 64),
          ]);
          got.values.push(await read(sums));
          return { want, got };
        },
        { backend, preds, classes, binary, softmaxInputs },
      );
      for (const kernel of [
        'ConvkitCrossentropy',
        'ConvkitCrossentropyGrad',
        'ConvkitAccuracy',
        'ConvkitSoftmaxGrad',
      ]) {
        expect(got.kernels).toContain(kernel);
        expect(want.kernels).not.toContain(kernel);
      }
      let gap = 0;
      want.values.forEach((w, i) => {
        const scale = Math.max(1, ...w.map(Math.abs));
        for (let j = 0; j < w.length; j++) gap = Math.max(gap, Math.abs(got.values[i][j] - w[j]) / scale);
      });
      console.log(
        `parity ${backend} vs cpu, fused training kernels: largest relative difference ${gap.toExponential(2)}`,
      );
      expect(gap).toBeLessThan(1e-5);
      // The clip cut some gradients (a test of gradients that are never zero would miss it): each
      // of the 5 loss cases gave a loss, an accuracy and a gradient, then came softmax's gradient.
      expect(
        want.values
          .filter((_, i) => i % 3 === 2 && i < 15)
          .flat()
          .filter((v) => v === 0).length,
      ).toBeGreaterThan(0);
      const sums = got.values[want.values.length];
      [1 + 2016, -2 + 64, 0.5].forEach((v, i) => {
        expect(sums[i]).toBeCloseTo(v, 3);
      });
    });
    it(`elementwise formulas on ${backend} (${layouts.join(', ')}) give the cpu ops within 1e-6`, async (ctx) => {
      if (unavailable) ctx.skip();
      // Odd sizes leave lanes of WebGL's packed 2x2 blocks and of WebGPU's vec4s empty; every
      // operation of the language is used.
      const shapes = [[3, 5, 7], [5], [1], [2, 3, 4, 6]];
      const inputs = shapes.map((shape) => {
        const size = shape.reduce((a, b) => a * b, 1);
        return [0, 1, 2].map((k) =>
          Array.from({ length: size }, (_, i) => Math.sin(3 * i + k) + (k === 2 ? 1.5 : 0)),
        );
      });
      const results = await (await openPage()).evaluate(
        async ({ backend, layouts, shapes, inputs }) => {
          const { tf, initBackend, elementwise, ew } = (globalThis as any).convkit;
          const run = async () => {
            const out: number[][] = [];
            let fused = 0;
            for (const [i, shape] of shapes.entries()) {
              const xs = inputs[i].map((v: number[]) => tf.tensor(v, shape));
              const profile = await tf.profile(() =>
                elementwise(xs, ([a, b, c]: unknown[]) => [
                  ew.sub(ew.mul(a, 0.9), ew.div(ew.mul(b, 1e-3), ew.add(ew.sqrt(c), 1e-7))),
                  ew.add(ew.mul(ew.step(a), ew.square(b)), ew.div(2, c)),
                ]),
              );
              for (const y of profile.result) out.push(Array.from(await y.data()));
              fused += profile.kernels.filter(
                (k: { name: string }) => k.name === 'ConvkitElementwise',
              ).length;
            }
            return { out, fused };
          };
          await initBackend('cpu');
          const want = await run();
          await initBackend(backend);
          const got: Record<string, { out: number[][]; fused: number }> = {};
          for (const layout of layouts) {
            if (backend === 'webgl') tf.env().set('WEBGL_PACK_BINARY_OPERATIONS', layout === 'packed');
            got[layout] = await run();
          }
          if (backend === 'webgl') tf.env().set('WEBGL_PACK_BINARY_OPERATIONS', true);
          return { want, got };
        },
        { backend, layouts, shapes, inputs },
      );
      expect(results.want.fused).toBe(0);
      for (const layout of layouts) {
        expect(results.got[layout].fused).toBe(2 * shapes.length);
        let gap = 0;
        results.want.out.forEach((w, i) => {
          w.forEach((v, j) => {
            gap = Math.max(gap, Math.abs(results.got[layout].out[i][j] - v) / Math.max(1, Math.abs(v)));
          });
        });
        console.log(
          `parity ${backend} (${layout}) vs cpu, elementwise: largest relative difference ${gap.toExponential(2)}`,
        );
        expect(gap).toBeLessThan(1e-6);
      }
    });
    it(`max-pooling, its gradient, softmax and bias-gradient sums on ${backend} give cpu's within 1e-6 of the largest value`, async (ctx) => {
      if (unavailable) ctx.skip();
      // Pools with overlap, padding, odd sizes and uneven strides, on inputs after a ReLU (ties of
      // zeros, where the gradient goes to the first maximum) or not; softmax and sums of ranks 1 to
      // 4 with odd sizes, which leave lanes of WebGL's 2x2 blocks empty.
      const pools = [
        { x: [2, 9, 11, 5], size: 2, strides: 2, pad: 'valid', relu: true },
        { x: [2, 7, 7, 3], size: 3, strides: 2, pad: 'same', relu: false },
        { x: [1, 6, 5, 4], size: 2, strides: 1, pad: 'valid', relu: true },
        { x: [2, 10, 9, 6], size: [3, 2], strides: [3, 1], pad: 'same', relu: true },
        { x: [3, 26, 26, 32], size: 2, strides: 2, pad: 'valid', relu: true },
      ];
      const softmaxes = [[5], [4, 10], [3, 7], [2, 3, 5], [2, 2, 3, 6], [1, 1000]];
      const sums = [
        { x: [64, 26, 26, 32], axes: [0, 1, 2], keepDims: false },
        { x: [7, 5], axes: [0], keepDims: false },
        { x: [3, 5, 7], axes: [0, 1], keepDims: true },
        { x: [300, 3], axes: [0], keepDims: false },
        { x: [2, 9, 9, 3], axes: [2, 0, 1], keepDims: true },
      ];
      const { want, got, replaced, draws } = await (await openPage()).evaluate(
        async ({ backend, pools, softmaxes, sums }) => {
          const { tf, initBackend, setConvAlgorithms, replacedGpuKernels, ensureGradients } = (
            globalThis as any
          ).convkit;
          ensureGradients();
          let seed = 1;
          // Through a packed op, as convolutions leave their outputs on WebGL.
          const random = (shape: number[], relu = false) => {
            const x = tf.randomNormal(shape, 0, 1, 'float32', seed++);
            return relu ? tf.relu(x) : tf.mul(x, 1.5);
          };
          const ops: (() => unknown)[] = [
            ...pools.flatMap((p) => {
              const pool = (x: unknown) => tf.maxPool(x, p.size, p.strides, p.pad);
              return [
                () => pool(random(p.x, p.relu)),
                () => {
                  const x = random(p.x, p.relu);
                  const w = random(pool(x).shape);
                  return tf.grad((x: unknown) => tf.sum(tf.mul(pool(x), w)))(x);
                },
              ];
            }),
            ...softmaxes.map((shape) => () => tf.softmax(tf.mul(random(shape), 3))),
            ...sums.map((s) => () => tf.sum(random(s.x), s.axes, s.keepDims)),
          ];
          const run = async () => {
            seed = 1;
            const values: number[][] = [];
            for (const op of ops) {
              const y = tf.tidy(op);
              values.push(Array.from(await y.data()));
              y.dispose();
            }
            return values;
          };
          // Draws (shader passes) per op, pack and unpack conversions included: WebGL only.
          const countDraws = async () => {
            const gpgpu = tf.backend().gpgpu;
            const execute = gpgpu.executeProgram;
            const counts: number[] = [];
            for (const op of ops) {
              let n = 0;
              gpgpu.executeProgram = (...a: unknown[]) => {
                n++;
                return execute.apply(gpgpu, a);
              };
              tf.dispose(tf.tidy(op));
              gpgpu.executeProgram = execute;
              counts.push(n);
            }
            return counts;
          };
          await initBackend('cpu');
          const want = await run();
          await initBackend(backend);
          const got = await run();
          const draws = { convkit: [] as number[], tfjs: [] as number[] };
          if (backend === 'webgl') {
            draws.convkit = await countDraws();
            setConvAlgorithms({ webgl: 'tfjs' });
            draws.tfjs = await countDraws();
            setConvAlgorithms({ webgl: 'convkit' });
          }
          return { want, got, replaced: replacedGpuKernels(backend) as string[], draws };
        },
        { backend, pools, softmaxes, sums },
      );
      let gap = 0;
      want.forEach((w, i) => {
        const scale = Math.max(...w.map(Math.abs));
        for (let j = 0; j < w.length; j++) gap = Math.max(gap, Math.abs(got[i][j] - w[j]) / scale);
      });
      console.log(
        `parity ${backend} vs cpu, pooling, softmax and sums: largest relative difference ${gap.toExponential(2)}`,
      );
      expect(gap).toBeLessThan(1e-6);
      if (backend === 'webgl') {
        for (const kernel of ['MaxPool', 'MaxPoolGrad', 'Softmax', 'Sum']) expect(replaced).toContain(kernel);
        // convkit's programs ran, each in fewer draws than tfjs's kernels take.
        draws.convkit.forEach((n, i) => {
          expect(n, `op ${i}`).toBeLessThan(draws.tfjs[i]);
        });
      }
    });
    it(`Conv2DBackpropFilter on ${backend}: convkit's split sum gives tfjs's kernel within 1e-5 of the largest value`, async (ctx) => {
      if (unavailable) ctx.skip();
      const cases = [
        { x: [3, 9, 11, 5], filter: [3, 3, 5, 7], strides: [1, 1], pad: 'valid' },
        { x: [2, 10, 9, 3], filter: [3, 3, 3, 40], strides: [2, 2], pad: 'same' },
        { x: [16, 28, 28, 1], filter: [3, 3, 1, 8], strides: [1, 1], pad: 'valid' },
        { x: [2, 12, 7, 6], filter: [5, 5, 6, 5], strides: [2, 1], pad: 1 },
        { x: [4, 13, 13, 32], filter: [3, 3, 32, 64], strides: [1, 1], pad: 'valid' },
        { x: [2, 5, 5, 3], filter: [1, 1, 3, 3], strides: [1, 1], pad: 'valid' },
      ];
      const { replaced, results } = await (await openPage()).evaluate(
        async ({ backend, cases }) => {
          const { tf, initBackend, setConvAlgorithms, replacedGpuKernels } = (globalThis as any).convkit;
          await initBackend(backend);
          const results: { tfjs: number[]; convkit: number[] }[] = [];
          for (const c of cases) {
            const x = tf.randomNormal(c.x, 0, 1, 'float32', 1);
            const probe = tf.conv2d(x, tf.zeros(c.filter), c.strides, c.pad);
            const dy = tf.randomNormal(probe.shape, 0, 1, 'float32', 2);
            const run = async (algorithm: string) => {
              setConvAlgorithms({ [backend]: algorithm });
              const attrs = { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', filterShape: c.filter };
              const dw = tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, attrs);
              const values = Array.from((await dw.data()) as Float32Array);
              dw.dispose();
              return values;
            };
            results.push({ tfjs: await run('tfjs'), convkit: await run('convkit') });
            tf.dispose([x, probe, dy]);
          }
          return { replaced: replacedGpuKernels(backend) as string[], results };
        },
        { backend, cases },
      );
      expect(replaced).toContain('Conv2DBackpropFilter');
      for (const { tfjs, convkit } of results) {
        const scale = Math.max(...tfjs.map(Math.abs));
        const gap = Math.max(...tfjs.map((v, i) => Math.abs(convkit[i] - v)));
        expect(gap / scale).toBeLessThan(1e-5);
      }
    });
    it.runIf(backend === 'webgpu')(
      "conv2d on webgpu: convkit's GEMM and Winograd kernels give tfjs's within their tolerances",
      async (ctx) => {
        if (unavailable) ctx.skip();
        // Chrome's Dawn on SwiftShader's Vulkan: another compiler than lavapipe's, which node's tests use.
        const cases = [
          { x: [2, 11, 9, 16], filter: [3, 3, 16, 32], pad: 'same' },
          { x: [3, 13, 10, 3], filter: [3, 3, 3, 8], pad: 'valid' },
        ];
        const tolerance: Record<string, number> = { gemm: 1e-6, winograd2x2: 5e-6, winograd4x4: 5e-5 };
        const results = await (await openPage()).evaluate(
          async ({ cases, algorithms }) => {
            const { tf, initBackend, setConvAlgorithms, replacedGpuKernels } = (globalThis as any).convkit;
            await initBackend('webgpu');
            const out: Record<string, number[]>[] = [];
            for (const c of cases) {
              const x = tf.randomNormal(c.x, 0, 1, 'float32', 1);
              const filter = tf.randomNormal(c.filter, 0, 0.3, 'float32', 2);
              const bias = tf.randomNormal([c.filter[3]], 0, 1, 'float32', 3);
              const values: Record<string, number[]> = {};
              for (const algorithm of ['tfjs', ...algorithms]) {
                setConvAlgorithms({ webgpuForward: algorithm });
                const y = tf.fused.conv2d({ x, filter, bias, strides: 1, pad: c.pad, activation: 'relu' });
                values[algorithm] = Array.from((await y.data()) as Float32Array);
                y.dispose();
              }
              out.push(values);
              tf.dispose([x, filter, bias]);
            }
            setConvAlgorithms({ webgpuForward: 'auto' });
            return { replaced: replacedGpuKernels('webgpu') as string[], out };
          },
          { cases, algorithms: Object.keys(tolerance) },
        );
        expect(results.replaced).toContain('FusedConv2D');
        for (const values of results.out) {
          const scale = Math.max(...values.tfjs.map(Math.abs));
          for (const [algorithm, limit] of Object.entries(tolerance)) {
            const gap = Math.max(...values.tfjs.map((v, i) => Math.abs(values[algorithm][i] - v)));
            expect(gap / scale, algorithm).toBeLessThan(limit);
          }
        }
      },
    );
    it(`trains on ${backend} as cpu does: RMSprop steps through the fused update kernels give the same weights (1e-4)`, async (ctx) => {
      if (unavailable) ctx.skip();
      // The same compiled model (saved with its RMSprop config) trained on the same batches,
      // without shuffling, in node on cpu and in the browser.
      await initBackend('cpu');
      setSeed(5);
      const model = sequential([
        conv2d({ filters: 4, kernelSize: 3, activation: 'relu', inputShape: [8, 8, 1] }),
        maxPooling2d({ poolSize: 2 }),
        flatten(),
        dense({ units: 3, activation: 'softmax' }),
      ]);
      model.compile({ optimizer: 'rmsprop', loss: 'categorical_crossentropy', metrics: ['accuracy'] });
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
      const history = (await model.fit(x, y, fitArgs)).history;
      const want: number[][] = [];
      for (const w of model.getWeights()) want.push(Array.from(await w.data()));
      tf.dispose([x, y]);

      // On WebGL, formulas over packed textures (tfjs's default) and unpacked ones.
      for (const layout of layouts) {
        const page = await openPage();
        const got = await page.evaluate(
          async ({ modelUrl, images, labels, fitArgs, layout }) => {
            const { tf, loadModel } = (globalThis as any).convkit;
            const webgl = tf.getBackend() === 'webgl';
            if (webgl) tf.env().set('WEBGL_PACK_BINARY_OPERATIONS', layout === 'packed');
            const model = await loadModel(modelUrl);
            const x = tf.tensor4d(images, [16, 8, 8, 1]);
            const y = tf.tensor2d(labels, [16, 3]);
            const profile = await tf.profile(() => model.fit(x, y, fitArgs));
            const history: Record<string, number[]> = (profile.result as any).history;
            const weights: number[][] = [];
            for (const w of model.getWeights()) weights.push(Array.from(await w.data()));
            const kernels: string[] = profile.kernels.map((k: { name: string }) => k.name);
            const count = (name: string) => kernels.filter((k) => k === name).length;
            return {
              backend: tf.getBackend() as string,
              layouts: model
                .getWeights()
                .map((w: any) =>
                  webgl ? (tf.backend().texData.get(w.dataId).isPacked ? 'packed' : 'unpacked') : 'buffers',
                ),
              weights,
              history,
              fused: {
                elementwise: count('ConvkitElementwise'),
                crossentropy: count('ConvkitCrossentropy'),
                crossentropyGrad: count('ConvkitCrossentropyGrad'),
                softmaxGrad: count('ConvkitSoftmaxGrad'),
                accuracy: count('ConvkitAccuracy'),
                addSums: count('ConvkitAddSums'),
              },
            };
          },
          { modelUrl: `${url}parity/trainable/model.json`, images, labels, fitArgs, layout },
        );
        expect(got.backend).toBe(backend);
        // The optimizer's formulas wrote every weight, in the layout asked for.
        expect(got.layouts).toEqual(want.map(() => layout));
        // Each of the 8 steps: 4 weights x 2 outputs of the RMSprop formula and relu's gradient; the
        // crossentropy, its gradient, softmax's gradient, the accuracy and the running sums once.
        expect(got.fused).toEqual({
          elementwise: 8 * (4 * 2 + 1),
          crossentropy: 8,
          crossentropyGrad: 8,
          softmaxGrad: 8,
          accuracy: 8,
          addSums: 8,
        });
        // The epoch means of loss and accuracy, read once per epoch.
        expect(Object.keys(got.history).sort()).toEqual(Object.keys(history).sort());
        for (const name of Object.keys(history)) {
          got.history[name].forEach((v, i) => {
            expect(Math.abs(v - history[name][i]), `${name}[${i}]`).toBeLessThan(1e-5);
          });
        }
        const gap = Math.max(
          ...got.weights.map((w, i) => {
            const scale = Math.max(...want[i].map(Math.abs));
            return Math.max(...w.map((v, j) => Math.abs(v - want[i][j]))) / scale;
          }),
        );
        console.log(
          `parity ${backend} (${layout}) vs cpu after 8 RMSprop steps: largest relative weight difference ${gap.toExponential(2)}`,
        );
        expect(gap).toBeLessThan(1e-4);
      }
    });
  });
}

describe.skipIf(!hasChromium)(
  'wasm in Chromium: Winograd convolutions and gradients vs the cpu backend',
  () => {
    let browser: Browser;
    let server: Server;
    let url: string;

    beforeAll(async () => {
      ({ url, server } = await serveStatic(fileURLToPath(new URL('../dist', import.meta.url))));
      browser = await launchChromium();
    });
    afterAll(async () => {
      await browser?.close();
      server?.close();
    });

    it("F(2x2) and F(4x4) give cpu's conv and its gradients within 1e-4 of the largest value, by another path than XNNPACK", async () => {
      const page = await browser.newPage();
      await page.goto(`${url}?backend=wasm`);
      await page.waitForSelector('body[data-ready="true"]', { timeout: 120_000 });
      // VGG16-like channels; odd sizes leave 4x4 tiles partly outside the output.
      const results = await page.evaluate(async () => {
        const { tf, initBackend, setConvAlgorithms, ensureGradients } = (globalThis as any).convkit;
        ensureGradients();
        const run = async () => {
          const x = tf.randomNormal([2, 13, 11, 64], 0, 1, 'float32', 1);
          const filter = tf.randomNormal([3, 3, 64, 64], 0, 0.1, 'float32', 2);
          const bias = tf.randomNormal([64], 0, 1, 'float32', 3);
          const y = tf.fused.conv2d({ x, filter, bias, strides: 1, pad: 'same', activation: 'relu' });
          const dx = tf.conv2dTranspose(x, filter, [2, 13, 11, 64], 1, 'same');
          const dw = tf.grad((f: unknown) => tf.sum(tf.mul(tf.conv2d(x, f, 1, 'same'), x)))(filter);
          const out = [y, dx, dw].map((t) => Array.from(t.dataSync())) as number[][];
          tf.dispose([x, filter, bias, y, dx, dw]);
          return out;
        };
        await initBackend('cpu');
        const want = await run();
        const started = await initBackend('wasm');
        const got: Record<string, number[][]> = {};
        for (const algorithm of ['winograd2x2', 'winograd4x4', 'xnnpack']) {
          const other = algorithm === 'xnnpack' ? 'conv' : algorithm;
          const previous = setConvAlgorithms({ forward: algorithm, input: other, filter: other });
          got[algorithm] = await run();
          setConvAlgorithms(previous);
        }
        return { backend: started.name, want, got };
      });
      await page.close();
      expect(results.backend).toBe('wasm');
      const gapOf = (a: number[], b: number[]) =>
        Math.max(...a.map((v, i) => Math.abs(v - b[i]))) / Math.max(...b.map(Math.abs));
      for (const algorithm of ['winograd2x2', 'winograd4x4']) {
        results.want.forEach((want, k) => {
          const got = results.got[algorithm][k];
          const gap = gapOf(got, want);
          const what = ['conv', 'input gradient', 'filter gradient'][k];
          console.log(`parity wasm (${algorithm}) vs cpu, ${what}: ${gap.toExponential(2)}`);
          expect(gap).toBeLessThan(1e-4);
          // Were the SIMD helpers unavailable, XNNPACK would have run instead, rounding alike.
          expect(got).not.toEqual(results.got.xnnpack[k]);
        });
      }
    });
  },
);
