import { type BatchSource, conv2d, sequential } from '@convkit/layers';
import { clearConv2dTuning, initBackend } from '@convkit/tensor';
import { expectNoLeakedTensors, forEachBackend, webgpuUnavailable } from '@convkit/tensor/testing';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { buildVgg16 } from './architecture';
import { disposeModel } from './dispose';
import { extractFeatures } from './extract-features';

/** An endless source like flowFromDirectory: batches of `batch` 32x32 images, label = image index % 2. */
function endless(batch: number, withLabels = true): BatchSource & { pulled: number } {
  const state = { pulled: 0 };
  return Object.assign(state, {
    length: 3,
    async *[Symbol.asyncIterator]() {
      for (let i = 0; ; i++) {
        state.pulled++;
        const x = tf.tidy(() =>
          tf.mul(
            tf.ones([batch, 32, 32, 3]),
            tf.reshape(tf.range(i * batch, (i + 1) * batch), [batch, 1, 1, 1]),
          ),
        );
        const y = tf.tensor1d(Array.from({ length: batch }, (_, k) => (i * batch + k) % 2));
        yield (withLabels ? [x, y] : [x]) as [tf.Tensor, tf.Tensor?];
      }
    },
  });
}

forEachBackend(['wasm'], () => {
  describe('extractFeatures', () => {
    it("runs the conv base batch by batch like the chapter's extract_features, cutting the last batch", async () => {
      const convBase = buildVgg16({ includeTop: false, inputShape: [32, 32, 3] });
      const source = endless(4);
      const { features, labels } = await expectNoLeakedTensors(
        () => extractFeatures(convBase, source, { samples: 10 }),
        { allowed: 2 },
      );
      expect(features.shape).toEqual([10, 1, 1, 512]);
      expect(source.pulled).toBe(3);
      expect(Array.from(await labels!.data())).toEqual([0, 1, 0, 1, 0, 1, 0, 1, 0, 1]);
      // Sample 9 is the image filled with 9: the same as running the conv base on it directly.
      const direct = convBase.predict(tf.fill([1, 32, 32, 3], 9)) as tf.Tensor;
      const row = tf.slice(features, 9, 1);
      expect(Array.from(await row.data())).toEqual(Array.from(await direct.data()));
      tf.dispose([features, labels!, direct, row]);
      disposeModel(convBase);
    });

    it("queues each batch's pass before waiting for the previous batch's values", async () => {
      const convBase = buildVgg16({ includeTop: false, inputShape: [32, 32, 3] });
      const source = endless(4);
      const landed: [number, number][] = [];
      const { features, labels } = await extractFeatures(convBase, source, {
        samples: 10,
        onBatch: (done) => landed.push([done, source.pulled]),
      });
      // Batch 1's values are awaited once batch 2 is pulled and queued, and so on.
      expect(landed).toEqual([
        [4, 2],
        [8, 3],
        [10, 3],
      ]);
      tf.dispose([features, labels!]);
      disposeModel(convBase);
    });

    it('frees every batch when labels come and go', async () => {
      const convBase = buildVgg16({ includeTop: false, inputShape: [32, 32, 3] });
      const mixed: BatchSource = {
        async *[Symbol.asyncIterator]() {
          yield [tf.zeros([2, 32, 32, 3]), tf.zeros([2])] as [tf.Tensor, tf.Tensor];
          yield [tf.zeros([2, 32, 32, 3])] as unknown as [tf.Tensor, tf.Tensor];
        },
      };
      const before = tf.memory().numTensors;
      await expect(extractFeatures(convBase, mixed, { samples: 4 })).rejects.toThrow(
        /some batches have labels and some do not/,
      );
      expect(tf.memory().numTensors).toBe(before);
      disposeModel(convBase);
    });

    it('works without labels, and says when a finite source runs out', async () => {
      const convBase = buildVgg16({ includeTop: false, inputShape: [32, 32, 3], pooling: 'avg' });
      const { features, labels } = await extractFeatures(convBase, endless(3, false), { samples: 3 });
      expect(features.shape).toEqual([3, 512]);
      expect(labels).toBeUndefined();
      features.dispose();
      const finite: BatchSource = {
        async *[Symbol.asyncIterator]() {
          yield [tf.zeros([2, 32, 32, 3]), tf.zeros([2])] as [tf.Tensor, tf.Tensor];
        },
      };
      const before = tf.memory().numTensors;
      await expect(extractFeatures(convBase, finite, { samples: 5 })).rejects.toThrow(
        /ended after 2 samples; 5 were asked for/,
      );
      expect(tf.memory().numTensors).toBe(before);
      await expect(extractFeatures(convBase, finite, { samples: 0 })).rejects.toThrow(/positive integer/);
      disposeModel(convBase);
    });
  });
});

/** Short timings and one tile: each candidate compiles shaders of its own on lavapipe. */
const QUICK_TUNING = { secondsPerCandidate: 0.02, rounds: 1, tiles: ['small' as const] };

/** Two 3x3 convs (the second one twice, so two distinct shapes) as a conv base for 32x32 images. */
function smallConvBase() {
  return sequential([
    conv2d({ filters: 8, kernelSize: 3, activation: 'relu', inputShape: [32, 32, 3] }),
    conv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu' }),
    conv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu' }),
  ]);
}

describe('extractFeatures with tuneConv2d', () => {
  it('is ignored off webgpu', async () => {
    await initBackend('cpu');
    const result = await extractFeatures(smallConvBase(), endless(2), {
      samples: 2,
      tuneConv2d: QUICK_TUNING,
    });
    expect(result.conv2dTunings).toBeUndefined();
    tf.dispose([result.features, result.labels!]);
  });
});

describe.skipIf(await webgpuUnavailable())('extractFeatures with tuneConv2d on webgpu', () => {
  afterAll(() => {
    clearConv2dTuning();
    tf.env().set('WEBGPU_CPU_FORWARD', true);
  });

  it("tunes each of the conv base's conv2d shapes at the first batch's size, and extracts the same features", async () => {
    await initBackend('webgpu');
    tf.env().set('WEBGPU_CPU_FORWARD', false);
    const convBase = smallConvBase();
    const plain = await extractFeatures(convBase, endless(4), { samples: 8 });
    const tuned = await extractFeatures(convBase, endless(4), { samples: 8, tuneConv2d: QUICK_TUNING });
    expect(plain.conv2dTunings).toBeUndefined();
    expect(tuned.conv2dTunings?.map((t) => t.signature.x)).toEqual([
      [4, 32, 32, 3],
      [4, 30, 30, 8],
    ]);
    for (const t of tuned.conv2dTunings!) expect(t.timings[0]).toMatchObject(t.choice);
    const want = (await plain.features.data()) as Float32Array;
    const got = (await tuned.features.data()) as Float32Array;
    const scale = Math.max(...want.map(Math.abs));
    // Winograd F(4x4)'s tolerance, the loosest of the candidates'.
    expect(Math.max(...want.map((v, i) => Math.abs(got[i] - v))) / scale).toBeLessThan(5e-5);
    tf.dispose([plain.features, plain.labels!, tuned.features, tuned.labels!]);
  });
});
