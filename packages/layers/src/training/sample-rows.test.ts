import { expectNoLeakedTensors, forEachBackend } from '@convkit/tensor/testing';
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { SampleRows } from './sample-rows';

forEachBackend(['cpu', 'wasm'], () => {
  it('cuts the same batches as tf.gather and tf.slice, for float32, int32 and bool samples', async () => {
    const sources = [
      tf.reshape(tf.range(0, 7 * 3 * 2 * 2, 1, 'float32'), [7, 3, 2, 2]),
      tf.tensor2d([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14], [7, 2], 'int32'),
      tf.tensor1d([true, false, true, true, false, false, true], 'bool'),
    ];
    const order = Int32Array.from([6, 0, 3, 3, 1]);
    await expectNoLeakedTensors(() => {
      for (const source of sources) {
        const rows = new SampleRows(source);
        tf.tidy(() => {
          const took = rows.take(order);
          const ranged = rows.range(2, 4);
          const gathered = tf.gather(source, tf.tensor1d(order, 'int32'));
          const sliced = tf.slice(source, 2, 4);
          for (const [a, b] of [
            [took, gathered],
            [ranged, sliced],
          ]) {
            expect(a.dtype).toBe(source.dtype);
            expect(a.shape).toEqual(b.shape);
            expect(a.arraySync()).toEqual(b.arraySync());
          }
        });
      }
    });
    tf.dispose(sources);
  });
});
