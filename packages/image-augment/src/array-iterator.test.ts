import { initBackend } from '@convkit/tensor';
import { expectNoLeakedTensors, forEachBackend, webgpuUnavailable } from '@convkit/tensor/testing';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import type { Batch } from './batch-iterator';
import { ImageDataGenerator } from './image-data-generator';

const N = 10;
const makeX = () =>
  tf.tensor4d(
    Array.from({ length: N * 8 * 8 * 3 }, (_, i) => (i * 7) % 256),
    [N, 8, 8, 3],
  );
const makeY = () =>
  tf.tensor1d(
    Array.from({ length: N }, (_, i) => i),
    'int32',
  );

async function pull(
  source: AsyncIterable<Batch>,
  batches: number,
): Promise<{ x: number[][]; y: number[][] }> {
  const it = source[Symbol.asyncIterator]();
  const out = { x: [] as number[][], y: [] as number[][] };
  for (let b = 0; b < batches; b++) {
    const { value } = await it.next();
    const [x, y] = value as Batch;
    out.x.push(Array.from(x.dataSync()));
    out.y.push(y ? Array.from(y.dataSync()) : []);
    tf.dispose(value as tf.Tensor[]);
  }
  await it.return?.();
  return out;
}

const augmenting = {
  rotationRange: 30,
  widthShiftRange: 0.2,
  zoomRange: 0.2,
  horizontalFlip: true,
  rescale: 1 / 255,
};

forEachBackend(['cpu'], () => {
  describe('flow(x, y)', () => {
    it('yields batchSize batches, a short last batch, every sample once per epoch, reshuffled each epoch', async () => {
      const x = makeX();
      const y = makeY();
      const it = new ImageDataGenerator().flow(x, y, { batchSize: 4, seed: 3 });
      expect([it.length, it.samples]).toEqual([3, 10]);
      const { y: labels, x: images } = await pull(it, 6);
      expect(labels.map((b) => b.length)).toEqual([4, 4, 2, 4, 4, 2]);
      expect(images[2].length).toBe(2 * 8 * 8 * 3);
      const epoch1 = labels.slice(0, 3).flat();
      const epoch2 = labels.slice(3, 6).flat();
      expect([...epoch1].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      expect([...epoch2].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      expect(epoch1).not.toEqual(epoch2);
      // Without augmentation the images are the rows of x, as float32.
      const first = epoch1[0];
      expect(images[0].slice(0, 8 * 8 * 3)).toEqual(
        Array.from(x.dataSync().slice(first * 192, (first + 1) * 192)),
      );
      tf.dispose([x, y]);
    });

    it('keeps order without shuffle, and yields [x] alone without y', async () => {
      const x = makeX();
      const y = makeY();
      const { y: labels } = await pull(
        new ImageDataGenerator().flow(x, y, { batchSize: 4, shuffle: false }),
        3,
      );
      expect(labels.flat()).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      const it = new ImageDataGenerator().flow(x, undefined, { batchSize: 5 })[Symbol.asyncIterator]();
      const { value } = await it.next();
      expect((value as Batch).length).toBe(1);
      tf.dispose(value as tf.Tensor[]);
      await it.return?.();
      tf.dispose([x, y]);
    });

    it('same seed, same batches; another seed, other batches', async () => {
      const x = makeX();
      const y = makeY();
      const g = new ImageDataGenerator(augmenting);
      const a = await pull(g.flow(x, y, { batchSize: 4, seed: 9 }), 4);
      const b = await pull(g.flow(x, y, { batchSize: 4, seed: 9, prefetch: 0 }), 4);
      const c = await pull(g.flow(x, y, { batchSize: 4, seed: 10 }), 4);
      expect(b).toEqual(a);
      expect(c.y).not.toEqual(a.y);
      tf.dispose([x, y]);
    });

    it('splits with validationSplit and subset (validation first), and checks the classes', async () => {
      const g = new ImageDataGenerator({ validationSplit: 0.3 });
      const x = makeX();
      const y = tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1, 2, 0]);
      const val = g.flow(x, y, { subset: 'validation', shuffle: false, batchSize: 10 });
      const train = g.flow(x, y, { subset: 'training', shuffle: false, batchSize: 10 });
      expect([val.samples, train.samples]).toEqual([3, 7]);
      expect((await pull(val, 1)).y[0]).toEqual([0, 1, 2]);
      expect((await pull(train, 1)).y[0]).toEqual([0, 1, 2, 0, 1, 2, 0]);
      const sorted = tf.tensor1d([0, 0, 0, 0, 0, 1, 1, 1, 1, 1]);
      expect(() => g.flow(x, sorted, { subset: 'training' })).toThrow(/different classes after the split/);
      expect(() => new ImageDataGenerator().flow(x, y, { subset: 'training' })).toThrow(
        /needs validationSplit > 0/,
      );
      tf.dispose([x, y, sorted]);
    });

    it('rejects bad input clearly', () => {
      const g = new ImageDataGenerator();
      const x3 = tf.zeros([4, 4, 3]);
      const x = makeX();
      expect(() => g.flow(x3 as tf.Tensor4D)).toThrow(
        /x must be a tensor of images \[n, height, width, channels\], got shape \[4, 4, 3\]/,
      );
      expect(() => g.flow(x, tf.zeros([3]))).toThrow(/same number of rows, got 10 and 3/);
      expect(() => g.flow(x, undefined, { batchSize: 0 })).toThrow(
        /batchSize must be a positive integer, got 0/,
      );
      tf.dispose([x3, x]);
    });

    it('holds no tensors ahead: a consumer that stops pulling without return() leaks nothing', async () => {
      const x = makeX();
      const y = makeY();
      await expectNoLeakedTensors(async () => {
        const stream = new ImageDataGenerator(augmenting)
          .flow(x, y, { batchSize: 3, prefetch: 4 })
          [Symbol.asyncIterator]();
        tf.dispose((await stream.next()).value as tf.Tensor[]);
        await new Promise((resolve) => setTimeout(resolve, 20));
      });
      tf.dispose([x, y]);
    });

    it('leaks no tensors over a full epoch with prefetching, once the consumer returns', async () => {
      const x = makeX();
      const y = makeY();
      const g = new ImageDataGenerator({
        ...augmenting,
        fillMode: 'reflect',
        channelShiftRange: 20,
        brightnessRange: [0.8, 1.2],
      });
      await expectNoLeakedTensors(async () => {
        const it = g.flow(x, y, { batchSize: 3, seed: 1, prefetch: 3 });
        const stream = it[Symbol.asyncIterator]();
        for (let b = 0; b < it.length; b++) tf.dispose((await stream.next()).value as tf.Tensor[]);
        await stream.return?.();
      });
      tf.dispose([x, y]);
    });
  });
});

describe('flow on cpu and wasm', () => {
  it('gives the same batches from the same seed (labels equal, pixels within 1e-3)', async () => {
    const results = [];
    for (const backend of ['cpu', 'wasm'] as const) {
      await initBackend(backend);
      const x = makeX();
      const y = makeY();
      const g = new ImageDataGenerator({ ...augmenting, shearRange: 10, fillMode: 'wrap' });
      results.push(await pull(g.flow(x, y, { batchSize: 4, seed: 5 }), 5));
      tf.dispose([x, y]);
    }
    const [cpu, wasm] = results;
    expect(wasm.y).toEqual(cpu.y);
    let worst = 0;
    cpu.x.forEach((b, i) => {
      b.forEach((v, k) => {
        worst = Math.max(worst, Math.abs(v - wasm.x[i][k]));
      });
    });
    expect(worst).toBeLessThan(1e-3);
  });
});

// Runs where WebGPU starts (CI installs Mesa's lavapipe); skipped elsewhere.
describe.skipIf(await webgpuUnavailable())(
  'flow with validationSplit on WebGPU in node (no synchronous read)',
  () => {
    it('checks the classes of labels computed on the GPU at the first batch', async () => {
      await initBackend('webgpu');
      tf.env().set('WEBGPU_CPU_FORWARD', false); // else tfjs computes these small ops on the CPU
      try {
        const g = new ImageDataGenerator({ validationSplit: 0.3 });
        const x = makeX();
        const onGpu = (labels: number[]) => tf.add(tf.tensor1d(labels), 0) as tf.Tensor1D;
        const [mixed, sorted] = [
          onGpu([0, 1, 2, 0, 1, 2, 0, 1, 2, 0]),
          onGpu([0, 0, 0, 0, 0, 1, 1, 1, 1, 1]),
        ];
        const train = g.flow(x, mixed, { subset: 'training', shuffle: false, batchSize: 10 });
        const first = await train[Symbol.asyncIterator]().next();
        const [bx, by] = first.value as Batch;
        expect(Array.from(await by!.data())).toEqual([0, 1, 2, 0, 1, 2, 0]);
        const bad = g.flow(x, sorted, { subset: 'training' });
        await expect(bad[Symbol.asyncIterator]().next()).rejects.toThrow(/different classes after the split/);
        tf.dispose([x, mixed, sorted, bx, by!]);
      } finally {
        tf.env().set('WEBGPU_CPU_FORWARD', true);
        await initBackend('cpu');
      }
    });
  },
);
