import type { BatchSource } from '@convkit/layers';
import { createRandom } from '@convkit/tensor';
import * as tf from '@tensorflow/tfjs-core';

/**
 * Samples [start, end) of in-memory tensors as a batch source: each pass yields
 * ceil(n / batchSize) batches, shuffled anew per pass when a seed is given.
 */
export function tensorBatches(
  x: tf.Tensor,
  y: tf.Tensor,
  start: number,
  end: number,
  batchSize: number,
  seed?: number,
): BatchSource {
  const n = end - start;
  const rng = seed === undefined ? undefined : createRandom(seed);
  return {
    length: Math.ceil(n / batchSize),
    async *[Symbol.asyncIterator]() {
      const order = Array.from({ length: n }, (_, i) => start + i);
      if (rng) rng.shuffle(order);
      for (let b = 0; b < n; b += batchSize) {
        const idx = tf.tensor1d(order.slice(b, b + batchSize), 'int32');
        const batch: [tf.Tensor, tf.Tensor] = [tf.gather(x, idx), tf.gather(y, idx)];
        idx.dispose();
        yield batch;
      }
    },
  };
}
