import type { BatchSource } from '@convkit/layers';
import { expectNoLeakedTensors, forEachBackend } from '@convkit/tensor/testing';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
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
