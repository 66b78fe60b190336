import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../init-backend';
import { webgpuUnavailable } from '../testing';
import { setConvAlgorithms } from '../wasm-kernels/algorithms';
import { WINOGRAD } from '../winograd-matrices';
import { conv2dWithTile, type WebgpuConvAlgorithm } from './conv2d-webgpu';
import { CONV_TILES, implicitGemmShader, pickConvTile } from './implicit-gemm-webgpu';

describe('pickConvTile', () => {
  it('takes 128 x 128 tiles where they fill the GPU, 64 columns for 64 channels, 64 x 64 for small outputs', () => {
    // VGG16 at 150x150, batch 20: block2 (75x75, 128 channels), block1 (64 channels), block5 (9x9).
    expect(pickConvTile(20 * 75 * 75, 128)).toBe(CONV_TILES.large);
    expect(pickConvTile(20 * 150 * 150, 64)).toBe(CONV_TILES.narrow);
    expect(pickConvTile(20 * 9 * 9, 512)).toBe(CONV_TILES.small);
    expect(pickConvTile(64 * 26 * 26, 32)).toBe(CONV_TILES.small);
  });

  it('refuses a tile that does not split into whole loads per thread', () => {
    const tile = { rows: 64, columns: 64, depth: 8, rowsPerThread: 4, columnsPerThread: 4 };
    expect(() => implicitGemmShader(tile, true, true, 'relu', { inC: 8, filterW: 3 })).toThrow(/whole loads/);
  });
});

describe("Winograd's matrices", () => {
  // In one dimension F(m, 3) computes y[i] = sum over k of d[i + k] g[k], i < m, from m + 2
  // inputs as A^T [(G g) ⊙ (B^T d)]; the 2D algorithm applies each matrix on both sides.
  for (const m of [2, 4] as const) {
    it(`F(${m}, 3) gives the 3-tap correlation of ${m + 2} inputs`, () => {
      const { BT, G, AT } = WINOGRAD[m];
      const times = (a: number[][], v: number[]) => a.map((row) => row.reduce((s, c, k) => s + c * v[k], 0));
      const d = Array.from({ length: m + 2 }, (_, i) => Math.sin(3 * i + 1));
      const g = [0.3, -1.2, 0.7];
      const u = times(G, g);
      const v = times(BT, d);
      const y = times(
        AT,
        u.map((x, i) => x * v[i]),
      );
      y.forEach((value, i) => {
        expect(value).toBeCloseTo(d[i] * g[0] + d[i + 1] * g[1] + d[i + 2] * g[2], 12);
      });
    });
  }
});

/**
 * convkit's webgpu conv2d, each algorithm (implicit GEMM, Winograd F(2x2) and F(4x4)) with each
 * of its tiles and as picked, against tfjs-backend-webgpu's own kernel on the same backend
 * (Conv2DMMProgram: another tiling and another way of indexing). Runs where an adapter starts
 * (a GPU, or lavapipe in CI).
 */
describe.skipIf(await webgpuUnavailable())('conv2d on webgpu', () => {
  beforeAll(async () => {
    await initBackend('webgpu');
    tf.env().set('WEBGPU_CPU_FORWARD', false);
  });
  afterAll(() => {
    tf.env().set('WEBGPU_CPU_FORWARD', true);
    setConvAlgorithms({ webgpuForward: 'auto' });
  });

  const cases: {
    name: string;
    x: [number, number, number, number];
    filter: [number, number, number, number];
    strides: number | [number, number];
    pad: 'valid' | 'same' | number;
    activation: 'linear' | 'relu' | 'leakyrelu' | 'sigmoid' | 'elu' | 'relu6';
    bias: boolean;
    /** Whether to run it with every tile too (each tile compiles shaders of its own: slow on lavapipe). */
    everyTile?: boolean;
  }[] = [
    {
      name: 'RGB input (scalar loads), same, relu',
      x: [2, 15, 13, 3],
      filter: [3, 3, 3, 64],
      strides: 1,
      pad: 'same',
      activation: 'relu',
      bias: true,
      everyTile: true,
    },
    {
      name: '64 to 128 channels, same, relu',
      x: [2, 8, 9, 64],
      filter: [3, 3, 64, 128],
      strides: 1,
      pad: 'same',
      activation: 'relu',
      bias: true,
    },
    {
      name: 'valid, outputs part of a Winograd tile',
      x: [2, 13, 10, 8],
      filter: [3, 3, 8, 12],
      strides: 1,
      pad: 'valid',
      activation: 'linear',
      bias: true,
      everyTile: true,
    },
    {
      name: "VGG16's block5 at 9x9: 512 to 512 channels",
      x: [1, 9, 9, 512],
      filter: [3, 3, 512, 512],
      strides: 1,
      pad: 'same',
      activation: 'relu',
      bias: true,
    },
    {
      name: 'stride 2, columns part of a tile',
      x: [2, 17, 16, 8],
      filter: [3, 3, 8, 12],
      strides: 2,
      pad: 'same',
      activation: 'linear',
      bias: true,
    },
    {
      name: 'MNIST conv1 at batch 64',
      x: [64, 28, 28, 1],
      filter: [3, 3, 1, 32],
      strides: 1,
      pad: 'valid',
      activation: 'relu',
      bias: true,
    },
    {
      name: '5x5, pad 1, strides 2 and 1, depth part of a slice',
      x: [2, 12, 7, 4],
      filter: [5, 5, 4, 20],
      strides: [2, 1],
      pad: 1,
      activation: 'leakyrelu',
      bias: true,
    },
    {
      name: '3x3, pad 2, leakyrelu',
      x: [1, 7, 6, 4],
      filter: [3, 3, 4, 8],
      strides: 1,
      pad: 2,
      activation: 'leakyrelu',
      bias: true,
    },
    {
      name: '1x1, no bias',
      x: [4, 5, 5, 12],
      filter: [1, 1, 12, 16],
      strides: 1,
      pad: 'valid',
      activation: 'linear',
      bias: false,
    },
    {
      name: '3x3, no bias',
      x: [2, 9, 9, 16],
      filter: [3, 3, 16, 8],
      strides: 1,
      pad: 'same',
      activation: 'linear',
      bias: false,
    },
    {
      name: '2x3 filter, sigmoid',
      x: [1, 6, 7, 6],
      filter: [2, 3, 6, 8],
      strides: 1,
      pad: 'valid',
      activation: 'sigmoid',
      bias: true,
    },
    {
      name: 'elu',
      x: [1, 5, 5, 4],
      filter: [3, 3, 4, 4],
      strides: 1,
      pad: 'same',
      activation: 'elu',
      bias: true,
    },
    {
      name: 'relu6',
      x: [1, 5, 5, 4],
      filter: [3, 3, 4, 4],
      strides: 1,
      pad: 'same',
      activation: 'relu6',
      bias: true,
    },
  ];
  /**
   * How close each algorithm comes to tfjs's kernel, relative to the output's largest magnitude
   * (on lavapipe, the most over these cases: gemm 1e-7, winograd2x2 2.2e-6, winograd4x4 1.2e-5,
   * both Winograd figures at 512 channels).
   */
  const tolerance: Record<WebgpuConvAlgorithm, number> = { gemm: 1e-6, winograd2x2: 5e-6, winograd4x4: 5e-5 };

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
    it(`matches tfjs's kernel with every algorithm and tile: ${c.name}`, async () => {
      const x = tf.randomNormal(c.x, 0, 1, 'float32', 1) as tf.Tensor4D;
      const filter = tf.randomNormal(c.filter, 0, 0.3, 'float32', 2) as tf.Tensor4D;
      const bias = c.bias ? (tf.randomNormal([c.filter[3]], 0, 1, 'float32', 3) as tf.Tensor1D) : undefined;
      const run = async (algorithm: 'tfjs' | WebgpuConvAlgorithm) => {
        setConvAlgorithms({ webgpuForward: algorithm });
        const { strides, pad, activation } = c;
        const y = c.bias
          ? tf.fused.conv2d({ x, filter, bias, strides, pad, activation, leakyreluAlpha: 0.1 })
          : tf.conv2d(x, filter, strides, pad);
        const values = await y.data();
        y.dispose();
        return values as Float32Array;
      };
      const want = await run('tfjs');
      for (const algorithm of ['gemm', 'winograd2x2', 'winograd4x4'] as const) {
        expect(relativeError(await run(algorithm), want), algorithm).toBeLessThan(tolerance[algorithm]);
        if (!c.everyTile || (c.activation !== 'linear' && c.activation !== 'relu')) continue;
        for (const [name, tile] of Object.entries(CONV_TILES)) {
          const y = conv2dWithTile({ ...c, x, filter, bias, activation: c.activation }, algorithm, tile);
          const error = relativeError((await y.data()) as Float32Array, want);
          expect(error, `${algorithm} ${name}`).toBeLessThan(tolerance[algorithm]);
          y.dispose();
        }
      }
      tf.dispose([x, filter, bias ?? []]);
    });
  }

  for (const algorithm of ['gemm', 'winograd4x4'] as const) {
    it(`runs as one kernel and leaks no tensor: ${algorithm}`, async () => {
      setConvAlgorithms({ webgpuForward: algorithm });
      const x = tf.randomNormal([2, 8, 8, 4]) as tf.Tensor4D;
      const filter = tf.randomNormal([3, 3, 4, 8]) as tf.Tensor4D;
      const bias = tf.zeros([8]) as tf.Tensor1D;
      const [tensors, dataIds] = [tf.memory().numTensors, tf.engine().backend.numDataIds()];
      const profile = await tf.profile(() =>
        tf.fused.conv2d({ x, filter, bias, strides: 1, pad: 'same', activation: 'relu' }),
      );
      // tf.fused.conv2d's custom gradient shows as an op of its own (fusedConv2d__op), not a kernel.
      const kernels = profile.kernels.map((k) => k.name).filter((name) => !name.endsWith('__op'));
      expect(kernels).toEqual(['FusedConv2D']);
      (profile.result as tf.Tensor).dispose();
      expect(tf.memory().numTensors).toBe(tensors);
      expect(tf.engine().backend.numDataIds()).toBe(dataIds);
      tf.dispose([x, filter, bias]);
    });
  }
});
