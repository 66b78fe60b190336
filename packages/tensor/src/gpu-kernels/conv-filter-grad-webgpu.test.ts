import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../init-backend';
import { webgpuUnavailable } from '../testing';
import { setConvAlgorithms } from '../wasm-kernels/algorithms';
import { splitReduction } from './conv-filter-grad-webgpu';

/** tfjs-core's Conv2DBackpropFilter kernel (the op itself is not exported). */
function filterGradient(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  filterShape: [number, number, number, number],
  strides: [number, number],
  pad: 'valid' | 'same' | number,
): tf.Tensor4D {
  return tf.engine().runKernel(tf.Conv2DBackpropFilter, { x, dy }, {
    strides,
    pad,
    dataFormat: 'NHWC',
    filterShape,
  } as never) as tf.Tensor4D;
}

describe('splitReduction', () => {
  it('cuts a long reduction into chunks of whole tiles that cover it, enough to fill the GPU', () => {
    // MNIST conv1 at batch 512: one tile of dW, 346,112 terms.
    const conv1 = splitReduction(512 * 26 * 26, 1);
    expect(conv1.chunkLength % 32).toBe(0);
    expect(conv1.chunks).toBeGreaterThan(900);
    expect((conv1.chunks - 1) * conv1.chunkLength).toBeLessThan(512 * 26 * 26);
    expect(conv1.chunks * conv1.chunkLength).toBeGreaterThanOrEqual(512 * 26 * 26);
    // Many tiles already fill it: one chunk.
    expect(splitReduction(20 * 9 * 9, 2304)).toEqual({ chunks: 1, chunkLength: 1632 });
    // Never more than 65,535 workgroups along the reduction.
    expect(splitReduction(1e9, 1).chunks).toBeLessThanOrEqual(65535);
    expect(splitReduction(1, 1)).toEqual({ chunks: 1, chunkLength: 32 });
  });
});

/**
 * convkit's tiled, split-reduction Conv2DBackpropFilter on webgpu against tfjs-backend-webgpu's
 * own kernel (a direct loop per filter element), on the same backend. Runs where an adapter
 * starts (a GPU, or lavapipe in CI).
 */
describe.skipIf(await webgpuUnavailable())('Conv2DBackpropFilter on webgpu', () => {
  beforeAll(async () => {
    await initBackend('webgpu');
    tf.env().set('WEBGPU_CPU_FORWARD', false);
  });
  afterAll(() => {
    tf.env().set('WEBGPU_CPU_FORWARD', true);
    setConvAlgorithms({ webgpu: 'convkit' });
  });

  const cases: {
    name: string;
    x: [number, number, number, number];
    filter: [number, number, number, number];
    strides: [number, number];
    pad: 'valid' | 'same' | number;
  }[] = [
    {
      name: '3x3 valid, rows over two tiles',
      x: [3, 9, 11, 5],
      filter: [3, 3, 5, 7],
      strides: [1, 1],
      pad: 'valid',
    },
    {
      name: 'stride 2, same, columns over two tiles',
      x: [2, 10, 9, 3],
      filter: [3, 3, 3, 40],
      strides: [2, 2],
      pad: 'same',
    },
    {
      name: 'MNIST conv1 at batch 64 (many chunks, the last one short)',
      x: [64, 28, 28, 1],
      filter: [3, 3, 1, 32],
      strides: [1, 1],
      pad: 'valid',
    },
    { name: '5x5, pad 1, strides 2 and 1', x: [2, 12, 7, 6], filter: [5, 5, 6, 33], strides: [2, 1], pad: 1 },
    { name: '1x1', x: [4, 5, 5, 64], filter: [1, 1, 64, 65], strides: [1, 1], pad: 'valid' },
  ];

  for (const c of cases) {
    it(`matches tfjs's kernel within 1e-5 of the largest value: ${c.name}`, async () => {
      const x = tf.randomNormal(c.x, 0, 1, 'float32', 1) as tf.Tensor4D;
      const probe = tf.conv2d(x, tf.zeros(c.filter) as tf.Tensor4D, c.strides, c.pad);
      const dy = tf.randomNormal(probe.shape, 0, 1, 'float32', 2) as tf.Tensor4D;
      const run = async (algorithm: 'convkit' | 'tfjs') => {
        setConvAlgorithms({ webgpu: algorithm });
        const dw = filterGradient(x, dy, c.filter, c.strides, c.pad);
        expect(dw.shape).toEqual(c.filter);
        const values = await dw.data();
        dw.dispose();
        return values;
      };
      const want = await run('tfjs');
      const got = await run('convkit');
      const scale = Math.max(...want.map(Math.abs));
      let worst = 0;
      want.forEach((v, i) => {
        worst = Math.max(worst, Math.abs(got[i] - v));
      });
      expect(worst / scale).toBeLessThan(1e-5);
      tf.dispose([x, probe, dy]);
    });
  }

  it('frees its partial sums and leaks no tensor', async () => {
    setConvAlgorithms({ webgpu: 'convkit' });
    const x = tf.randomNormal([64, 28, 28, 1], 0, 1, 'float32', 3) as tf.Tensor4D;
    const dy = tf.randomNormal([64, 26, 26, 32], 0, 1, 'float32', 4) as tf.Tensor4D;
    const [tensors, dataIds] = [tf.memory().numTensors, tf.engine().backend.numDataIds()];
    const profile = await tf.profile(() => filterGradient(x, dy, [3, 3, 1, 32], [1, 1], 'valid'));
    expect(profile.kernels.map((k) => k.name)).toEqual(['Conv2DBackpropFilter']);
    (profile.result as tf.Tensor).dispose();
    expect(tf.memory().numTensors).toBe(tensors);
    expect(tf.engine().backend.numDataIds()).toBe(dataIds);
    tf.dispose([x, dy]);
  });
});
