import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { forEachBackend } from '@convkit/tensor/testing';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convertVgg16Weights } from './convert';
import { disposeModel } from './dispose';
import { vgg16 } from './node';
import { startTestServer, type TestServer } from './test-server';
import { referenceUnavailable, writeVgg16H5 } from './testdata/reference';
import { vgg16 as browserVgg16 } from './vgg16';

const why = referenceUnavailable();
describe.skipIf(why !== undefined)(
  'convertVgg16Weights (Keras .h5 -> TensorFlow.js model.json + shards)',
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'vgg16-convert-'));
    const notop = join(dir, 'notop.h5');
    const top = join(dir, 'top.h5');
    let server: TestServer | undefined;
    beforeAll(() => {
      writeVgg16H5(notop, { variant: 'notop', seed: 3 });
      writeVgg16H5(top, { variant: 'top', input: [32, 32], classes: 10, seed: 4 });
    });
    afterAll(() => server?.close());

    async function outputs(model: Awaited<ReturnType<typeof vgg16>>, x: tf.Tensor): Promise<Float32Array> {
      const y = model.predict(x) as tf.Tensor;
      const v = (await y.data()) as Float32Array;
      y.dispose();
      return v;
    }

    forEachBackend(['wasm'], () => {
      it('writes the conv base in 4 MiB shards that load back to the same outputs, at any input size', async () => {
        const out = join(dir, 'tfjs-notop');
        const result = await convertVgg16Weights(notop, out);
        expect(result.includeTop).toBe(false);
        expect(result.inputShape).toEqual([null, null, 3]);
        expect(result.weightBytes).toBe(14_714_688 * 4);
        const shards = readdirSync(out).filter((f) => f.endsWith('.bin'));
        expect(shards.length).toBe(Math.ceil((14_714_688 * 4) / (4 * 1024 * 1024)));
        const manifest = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8'));
        expect(manifest.weightsManifest[0].weights[0].name).toBe('block1_conv1/kernel');

        const x = tf.randomUniform([1, 48, 48, 3], -100, 100, 'float32', 5);
        const fromH5 = await vgg16({ weights: notop, includeTop: false, inputShape: [48, 48, 3] });
        const fromTfjs = await vgg16({ weights: out, includeTop: false, inputShape: [48, 48, 3] });
        expect(await outputs(fromTfjs, x)).toEqual(await outputs(fromH5, x));

        // Served over HTTP, as the web demo fetches it (float16: half the bytes, ~3 digits).
        const half = join(dir, 'tfjs-notop-f16');
        const f16 = await convertVgg16Weights(notop, half, { quantize: 'float16' });
        expect(f16.weightBytes).toBe(14_714_688 * 2);
        const routes = Object.fromEntries(
          readdirSync(half).map((f) => [
            `/vgg16/${f}`,
            { body: new Uint8Array(readFileSync(join(half, f))) },
          ]),
        );
        server = await startTestServer(routes);
        const overHttp = await browserVgg16({
          weights: `${server.baseUrl}/vgg16/model.json`,
          includeTop: false,
          inputShape: [48, 48, 3],
        });
        const a = await outputs(overHttp, x);
        const b = await outputs(fromH5, x);
        let diff = 0;
        let scale = 0;
        for (let i = 0; i < b.length; i++) {
          diff = Math.max(diff, Math.abs(a[i] - b[i]));
          scale = Math.max(scale, Math.abs(b[i]));
        }
        expect(diff / scale).toBeLessThan(2e-2);
        expect(diff).toBeGreaterThan(0);
        for (const m of [fromH5, fromTfjs, overHttp]) disposeModel(m);
        x.dispose();
      });

      it('converts the classifier file, reading its input size and classes from fc1 and predictions', async () => {
        const out = join(dir, 'tfjs-top');
        const result = await convertVgg16Weights(top, out);
        expect(result).toMatchObject({ includeTop: true, inputShape: [32, 32, 3] });
        const model = await vgg16({ weights: join(out, 'model.json'), inputShape: [32, 32, 3], classes: 10 });
        const fromH5 = await vgg16({ weights: top, inputShape: [32, 32, 3], classes: 10 });
        const x = tf.randomUniform([2, 32, 32, 3], -100, 100, 'float32', 6);
        expect(await outputs(model, x)).toEqual(await outputs(fromH5, x));
        await expect(
          vgg16({ weights: out, includeTop: false, inputShape: [32, 32, 3] }),
        ).resolves.toBeDefined();
        await expect(
          vgg16({ weights: join(dir, 'tfjs-notop'), inputShape: [32, 32, 3], classes: 10 }),
        ).rejects.toThrow(/no weights named fc1\/kernel, fc1\/bias.*other VGG16 variant/);
        disposeModel(model);
        disposeModel(fromH5);
        x.dispose();
      });

      it('never overwrites an existing folder unless asked', async () => {
        const out = join(dir, 'tfjs-again');
        await convertVgg16Weights(notop, out);
        await expect(convertVgg16Weights(notop, out)).rejects.toThrow(/already exists/);
        await convertVgg16Weights(notop, out, { overwrite: true, quantize: 'float16' });
        expect(existsSync(join(out, 'model.json'))).toBe(true);
      });
    });
  },
);
if (why) describe('convertVgg16Weights', () => it.skip(`skipped: ${why}`, () => {}));
