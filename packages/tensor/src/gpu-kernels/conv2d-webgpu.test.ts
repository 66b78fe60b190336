import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../init-backend';
import { webgpuUnavailable } from '../testing';
import { setConvAlgorithms } from '../wasm-kernels/algorithms';
import { CONV_TILES, conv2dShader, conv2dWithTile, pickConvTile } from './conv2d-webgpu';

describe('pickConvTile', () => {
  it('takes 128 x 128 tiles where they fill the GPU, 64 columns for 64 channels, 64 x 64 for small outputs', () => {
    // VGG16 at 150x150, batch 20: block2 (75x75, 128 channels), block1 (64 channels), block5 (9x9).
    expect(pickConvTile(20 * 75 * 75, 128)).toBe(CONV_TILES.large);
    expect(pickConvTile(20 * 150 * 150, 64)).toBe(CONV_TILES.narrow);
    expect(pickConvTile(20 * 9 * 9, 512)).toBe(CONV_TILES.small);
    expect(pickConvTile(64 * 26 * 26, 32)).toBe(CONV_TILES.small);
  });

  it('refuses a tile that does not split into whole loads per thread', () => {
    expect(() =>
      conv2dShader({ rows: 64, columns: 64, depth: 8, rowsPerThread: 4, columnsPerThread: 4 }, true, true, 'relu'),
    ).toThrow(/whole loads/);
  });
});

/**
 * convkit's implicit-GEMM conv2d on webgpu, with each of its tiles and as picked, against
 * tfjs-backend-webgpu's own kernel on the same backend (Conv2DMMProgram, another tiling and
 * another way of indexing). Runs where an adapter starts (a GPU, or lavapipe in CI).
 */
describe.skipIf(await webgpuUnavailable())('conv2d on webgpu', () => {
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
    strides: number | [number, number];
    pad: 'valid' | 'same' | number;
    activation: 'linear' | 'relu' | 'leakyrelu' | 'sigmoid' | 'elu' | 'relu6';
    bias: boolean;
  }[] = [
    { name: 'RGB input (scalar loads), same, relu', x: [2, 15, 13, 3], filter: [3, 3, 3, 64], strides: 1, pad: 'same', activation: 'relu', bias: true },
    { name: '64 to 128 channels, same, relu', x: [3, 11, 9, 64], filter: [3, 3, 64, 128], strides: 1, pad: 'same', activation: 'relu', bias: true },
    { name: 'stride 2, columns part of a tile', x: [2, 17, 16, 8], filter: [3, 3, 8, 12], strides: 2, pad: 'same', activation: 'linear', bias: true },
    { name: 'MNIST conv1 at batch 64', x: [64, 28, 28, 1], filter: [3, 3, 1, 32], strides: 1, pad: 'valid', activation: 'relu', bias: true },
    { name: '5x5, pad 1, strides 2 and 1, depth part of a slice', x: [2, 12, 7, 4], filter: [5, 5, 4, 20], strides: [2, 1], pad: 1, activation: 'leakyrelu', bias: true },
    { name: '1x1, no bias', x: [4, 5, 5, 12], filter: [1, 1, 12, 16], strides: 1, pad: 'valid', activation: 'linear', bias: false },
    { name: '2x3 filter, sigmoid', x: [1, 6, 7, 6], filter: [2, 3, 6, 8], strides: 1, pad: 'valid', activation: 'sigmoid', bias: true },
    { name: 'elu and relu6', x: [1, 5, 5, 4], filter: [3, 3, 4, 4], strides: 1, pad: 'same', activation: 'elu', bias: true },
    { name: 'relu6', x: [1, 5, 5, 4], filter: [3, 3, 4, 4], strides: 1, pad: 'same', activation: 'relu6', bias: true },
  ];

  /** The largest difference from `want`, over want's largest magnitude. */
  const relativeError = (got: Float32Array, want: Float32Array) => {
    let [scale, worst] = [0, 0];
    want.forEach((v, i) => {
      scale = Math.max(scale, Math.abs(v));
      worst = Math.max(worst, Math.abs(got[i] - v));
    });
    return worst / scale;
  };

  for (const c of cases) {
    it(`matches tfjs's kernel within 1e-5 of the largest value, with every tile: ${c.name}`, async () => {
      const x = tf.randomNormal(c.x, 0, 1, 'float32', 1) as tf.Tensor4D;
      const filter = tf.randomNormal(c.filter, 0, 0.3, 'float32', 2) as tf.Tensor4D;
      const bias = c.bias ? (tf.randomNormal([c.filter[3]], 0, 1, 'float32', 3) as tf.Tensor1D) : undefined;
      const run = async (algorithm: 'convkit' | 'tfjs') => {
        setConvAlgorithms({ webgpu: algorithm });
        const y = c.bias
          ? tf.fused.conv2d({ x, filter, bias, strides: c.strides, pad: c.pad, activation: c.activation, leakyreluAlpha: 0.1 })
          : tf.conv2d(x, filter, c.strides, c.pad);
        const values = await y.data();
        y.dispose();
        return values as Float32Array;
      };
      const want = await run('tfjs');
      expect(relativeError(await run('convkit'), want)).toBeLessThan(1e-5);
      if (c.activation === 'linear' || c.activation === 'relu') {
        for (const tile of Object.values(CONV_TILES)) {
          const y = conv2dWithTile(x, filter, bias, c.strides, c.pad, c.activation, tile);
          expect(relativeError((await y.data()) as Float32Array, want)).toBeLessThan(1e-5);
          y.dispose();
        }
      }
      tf.dispose([x, filter, bias ?? []]);
    });
  }

  it('runs as one kernel and leaks no tensor', async () => {
    setConvAlgorithms({ webgpu: 'convkit' });
    const x = tf.randomNormal([2, 8, 8, 4]) as tf.Tensor4D;
    const filter = tf.randomNormal([3, 3, 4, 8]) as tf.Tensor4D;
    const bias = tf.zeros([8]) as tf.Tensor1D;
    const [tensors, dataIds] = [tf.memory().numTensors, tf.engine().backend.numDataIds()];
    const profile = await tf.profile(() => tf.fused.conv2d({ x, filter, bias, strides: 1, pad: 'same', activation: 'relu' }));
    // tf.fused.conv2d's custom gradient shows as an op of its own (fusedConv2d__op), not a kernel.
    const kernels = profile.kernels.map((k) => k.name).filter((name) => !name.endsWith('__op'));
    expect(kernels).toEqual(['FusedConv2D']);
    (profile.result as tf.Tensor).dispose();
    expect(tf.memory().numTensors).toBe(tensors);
    expect(tf.engine().backend.numDataIds()).toBe(dataIds);
    tf.dispose([x, filter, bias]);
  });
});
