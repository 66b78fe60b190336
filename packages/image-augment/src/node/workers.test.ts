import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { initBackend } from '@convkit/tensor';
import { expectNoLeakedTensors } from '@convkit/tensor/testing';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Batch } from '../batch-iterator';
import type { ImageDataGeneratorOptions } from '../options';
import { testPicture, writePicture } from '../test-support/fixtures';
import type { DirectoryFlowOptions } from './directory-iterator';
import { imageDataGenerator } from './node-generator';
import { closeAugmentWorkers, setWorkerStarterForTests } from './worker-pool';

const root = mkdtempSync(join(tmpdir(), 'augment-workers-'));
const quiet = { onInfo: () => {} };

beforeAll(async () => {
  await initBackend('cpu');
  for (let i = 0; i < 6; i++) {
    await writePicture(join(root, 'cats', `cat.${i}.jpg`), testPicture(30 + 3 * i, 26, 3, i));
    await writePicture(join(root, 'dogs', `dog.${i}.png`), testPicture(22, 31 - i, 4, 10 + i));
  }
});

afterAll(async () => {
  await closeAugmentWorkers();
  rmSync(root, { recursive: true, force: true });
});

/** The values of the first `n` batches (x then y of each). */
async function batchValues(
  options: ImageDataGeneratorOptions,
  flow: DirectoryFlowOptions,
  n = 3,
): Promise<Float32Array[]> {
  const g = imageDataGenerator(options, { onWarning: () => {} });
  const stream = g
    .flowFromDirectory(root, { targetSize: [20, 18], batchSize: 5, seed: 7, ...quiet, ...flow })
    [Symbol.asyncIterator]();
  const out: Float32Array[] = [];
  for (let b = 0; b < n; b++) {
    const batch = (await stream.next()).value as Batch;
    for (const t of batch) if (t) out.push(t.dataSync() as Float32Array);
    tf.dispose(batch as tf.Tensor[]);
  }
  await stream.return?.();
  return out;
}

function largestDifference(a: Float32Array[], b: Float32Array[]): number {
  expect(a.map((v) => v.length)).toEqual(b.map((v) => v.length));
  let worst = 0;
  a.forEach((va, i) => {
    for (let k = 0; k < va.length; k++) worst = Math.max(worst, Math.abs(va[k] - b[i][k]));
  });
  return worst;
}

const geometry = {
  rotationRange: 40,
  widthShiftRange: 0.2,
  heightShiftRange: 0.2,
  shearRange: 20,
  zoomRange: 0.2,
  horizontalFlip: true,
};
const configs: [string, ImageDataGeneratorOptions, DirectoryFlowOptions][] = [
  ["the chapter's augmentation", { ...geometry, rescale: 1 / 255, fillMode: 'nearest' }, {}],
  [
    'constant fill, channel shift, vertical flips',
    {
      ...geometry,
      rescale: 1 / 255,
      fillMode: 'constant',
      cval: 90,
      channelShiftRange: 40,
      verticalFlip: true,
    },
    {},
  ],
  [
    'reflect, no rescale, grayscale',
    { ...geometry, zoomRange: [0.3, 2.5], fillMode: 'reflect' },
    { colorMode: 'grayscale' },
  ],
  [
    'wrap, rgba, samplewise',
    { ...geometry, fillMode: 'wrap', rescale: 0.5, samplewiseCenter: true, samplewiseStdNormalization: true },
    { colorMode: 'rgba' },
  ],
  ['brightness (rescale not folded)', { ...geometry, rescale: 1 / 255, brightnessRange: [0.5, 1.5] }, {}],
  [
    'preprocessingFunction (runs on the calling thread)',
    { ...geometry, rescale: 1 / 255, preprocessingFunction: (x) => tf.sqrt(x) as tf.Tensor3D },
    { classMode: 'sparse' },
  ],
  ['rescale only', { rescale: 1 / 255 }, { classMode: 'binary' }],
];

describe('flowFromDirectory on worker threads', () => {
  it.each(configs)(
    'gives the batches the calling thread gives with the tfjs warp (%s)',
    async (_, options, flow) => {
      const onThread = await batchValues(options, { ...flow, workers: 0 });
      const onWorker = await batchValues(options, { ...flow, workers: 1 });
      const scale = Math.max(1, ...onThread.map((v) => Math.max(...Array.from(v, Math.abs))));
      expect(largestDifference(onWorker, onThread) / scale).toBeLessThan(1e-6);
    },
  );

  it('gives the same batches from the same seed with one or two workers, and again on a new iteration', async () => {
    const options = { ...geometry, rescale: 1 / 255 };
    const one = await batchValues(options, { workers: 1 }, 4);
    const two = await batchValues(options, { workers: 2, prefetch: 3 }, 4);
    const again = await batchValues(options, { workers: 2, prefetch: 0 }, 4);
    expect(largestDifference(two, one)).toBe(0);
    expect(largestDifference(again, one)).toBe(0);
    const otherSeed = await batchValues(options, { workers: 1, seed: 8 }, 1);
    expect(largestDifference(otherSeed, one.slice(0, 2))).toBeGreaterThan(0.01);
  });

  it('leaks no tensors over an epoch, including batches read ahead and left when the consumer stops', async () => {
    const g = imageDataGenerator({ ...geometry, rescale: 1 / 255, samplewiseCenter: true });
    await expectNoLeakedTensors(async () => {
      const it = g.flowFromDirectory(root, { targetSize: [16, 16], batchSize: 4, prefetch: 3, ...quiet });
      const stream = it[Symbol.asyncIterator]();
      for (let b = 0; b < it.length; b++) tf.dispose((await stream.next()).value as tf.Tensor[]);
      // Stop without return(): the batches read ahead hold no tensors.
      tf.dispose((await it[Symbol.asyncIterator]().next()).value as tf.Tensor[]);
    });
  });

  it('falls back to the calling thread, with one warning, when the workers fail', async () => {
    await closeAugmentWorkers();
    setWorkerStarterForTests(() => new Worker('throw new Error("no worker today")', { eval: true }));
    try {
      const warnings: string[] = [];
      const options = { ...geometry, rescale: 1 / 255 };
      const g = imageDataGenerator(options, { onWarning: (m) => warnings.push(m) });
      const stream = g
        .flowFromDirectory(root, { targetSize: [20, 18], batchSize: 5, seed: 7, prefetch: 2, ...quiet })
        [Symbol.asyncIterator]();
      const got: Float32Array[] = [];
      for (let b = 0; b < 3; b++) {
        const batch = (await stream.next()).value as Batch;
        for (const t of batch) if (t) got.push(t.dataSync() as Float32Array);
        tf.dispose(batch as tf.Tensor[]);
      }
      await stream.return?.();
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(
        /augmentation worker failed: no worker today; reading and augmenting on the calling thread instead/,
      );
      expect(largestDifference(got, await batchValues(options, { workers: 0 }))).toBeLessThan(1e-6);
    } finally {
      setWorkerStarterForTests();
    }
  });

  it('rejects a bad workers option, naming it', () => {
    const g = imageDataGenerator();
    for (const workers of [-1, 1.5, Number.NaN]) {
      expect(() => g.flowFromDirectory(root, { workers, ...quiet })).toThrow(
        /flowFromDirectory: workers must be an integer >= 0 \(0: no worker threads\), got/,
      );
    }
  });
});
