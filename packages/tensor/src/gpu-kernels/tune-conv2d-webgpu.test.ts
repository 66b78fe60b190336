import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConvkitUsageError } from '../errors';
import { initBackend } from '../init-backend';
import { webgpuUnavailable } from '../testing';
import { convAlgorithms } from '../wasm-kernels/algorithms';
import { clearConv2dTuning } from './conv2d-choice';
import { tuneWebgpuConv2d, useConv2dTunings } from './tune-conv2d-webgpu';

/** The shader keys of the programs `run` dispatches on the webgpu backend. */
function dispatchedShaders(run: () => tf.Tensor): string[] {
  const backend = tf.backend() as unknown as {
    runWebGPUProgram: (program: { shaderKey: string }) => unknown;
  };
  const original = backend.runWebGPUProgram;
  const keys: string[] = [];
  backend.runWebGPUProgram = function (this: unknown, ...args: unknown[]) {
    keys.push((args[0] as { shaderKey: string }).shaderKey);
    return (original as (...a: unknown[]) => unknown).apply(this, args);
  };
  try {
    tf.dispose(run());
  } finally {
    backend.runWebGPUProgram = original;
  }
  return keys;
}

describe('tuneWebgpuConv2d off webgpu', () => {
  it('says to start webgpu', async () => {
    await initBackend('cpu');
    const error = await tuneWebgpuConv2d(() => tf.zeros([1])).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConvkitUsageError);
    expect((error as Error).message).toMatch(/active backend is cpu: call initBackend\('webgpu'\)/);
  });
});

/**
 * Tuning on webgpu (a GPU, or lavapipe in CI: its timings pick some candidate, which is all
 * these tests rely on). One tile, short timings: each candidate compiles shaders of its own.
 */
describe.skipIf(await webgpuUnavailable())('tuneWebgpuConv2d', () => {
  const x = () => tf.randomNormal([2, 10, 10, 8], 0, 1, 'float32', 1) as tf.Tensor4D;
  const filter = (shape: [number, number, number, number]) =>
    tf.randomNormal(shape, 0, 0.3, 'float32', 2) as tf.Tensor4D;
  let filters: tf.Tensor4D[];

  beforeAll(async () => {
    await initBackend('webgpu');
    tf.env().set('WEBGPU_CPU_FORWARD', false);
    filters = [filter([3, 3, 8, 12]), filter([3, 3, 12, 16]), filter([1, 1, 8, 6])];
  });
  afterAll(() => {
    tf.env().set('WEBGPU_CPU_FORWARD', true);
    clearConv2dTuning();
    tf.dispose(filters);
  });

  /** A small net: a 3x3 conv (relu, bias), a 3x3 stride-2 conv, the first conv again, and a 1x1 conv to 6 channels. */
  const net = (input: tf.Tensor4D) => {
    const bias = tf.zeros([12]) as tf.Tensor1D;
    const first = () =>
      tf.fused.conv2d({ x: input, filter: filters[0], bias, pad: 'same', strides: 1, activation: 'relu' });
    const b = tf.conv2d(first(), filters[1], 2, 'valid');
    const c = first();
    const d = tf.conv2d(input, filters[2], 1, 'valid');
    return [b, c, d];
  };

  it('times each distinct conv2d once, every candidate that applies, and keeps the fastest', async () => {
    const input = x();
    const tensors = tf.memory().numTensors;
    const tunings = await tuneWebgpuConv2d(() => net(input), {
      tiles: ['small'],
      rounds: 2,
      secondsPerCandidate: 0.02,
    });
    expect(tf.memory().numTensors).toBe(tensors);
    expect(convAlgorithms().webgpuForward).toBe('auto');
    expect(tunings.map((t) => t.call)).toEqual([
      'x 2x10x10x8, filter 3x3x8x12, strides 1x1, pad "same"',
      'x 2x10x10x12, filter 3x3x12x16, strides 2x2, pad "valid"',
      'x 2x10x10x8, filter 1x1x8x6, strides 1x1, pad "valid"',
    ]);
    const candidates = tunings.map((t) =>
      t.timings.map((c) => `${c.algorithm}${c.tile ? ` ${c.tile}` : ''}`).sort(),
    );
    // Winograd only for the 3x3 stride-1 conv; no convkit kernel for 6 out-channels.
    expect(candidates).toEqual([
      ['gemm small', 'tfjs', 'winograd2x2 small', 'winograd4x4 small'],
      ['gemm small', 'tfjs'],
      ['tfjs'],
    ]);
    for (const { timings, choice } of tunings) {
      const times = timings.map((t) => t.msPerCall);
      expect(times.every((t) => t > 0 && Number.isFinite(t))).toBe(true);
      expect(times).toEqual([...times].sort((a, b) => a - b));
      expect(choice.algorithm).toBe(timings[0].algorithm);
      expect(choice.tile).toBe(timings[0].tile);
    }
    input.dispose();
  });

  it("runs the tuned choice for the tuned shapes, and tfjs's kernel for others", async () => {
    clearConv2dTuning();
    const input = x();
    const conv = (inputTensor: tf.Tensor4D) => () => tf.conv2d(inputTensor, filters[0], 1, 'same');
    const want = await conv(input)().data();
    // As a saved tuning comes back: through JSON.
    const saved = JSON.stringify([
      {
        signature: {
          x: [2, 10, 10, 8],
          filter: [3, 3, 8, 12],
          strides: [1, 1],
          pad: 'same',
          bias: false,
          activation: 'linear',
        },
        choice: { algorithm: 'winograd4x4', tile: 'small' },
      },
    ]);
    useConv2dTunings(JSON.parse(saved));
    const tuned = dispatchedShaders(conv(input));
    expect(tuned.filter((key) => key.startsWith('convkit_'))).toEqual([
      'convkit_winograd4_filter',
      'convkit_winograd4_input',
      'convkit_implicit_gemm_64_64_16_4_4_true_false_linear_8_1',
      'convkit_winograd4_output_false_linear',
    ]);
    const got = conv(input)();
    const values = await got.data();
    const scale = Math.max(...want.map(Math.abs));
    expect(Math.max(...values.map((v, i) => Math.abs(v - want[i])))).toBeLessThan(5e-5 * scale);
    got.dispose();

    // Another batch size is another shape: not tuned, so tfjs's kernel.
    const other = tf.randomNormal([3, 10, 10, 8]) as tf.Tensor4D;
    expect(dispatchedShaders(conv(other)).some((key) => key.startsWith('convkit_'))).toBe(false);
    clearConv2dTuning();
    expect(dispatchedShaders(conv(input)).some((key) => key.startsWith('convkit_'))).toBe(false);
    tf.dispose([input, other]);
  });

  it("takes back tuneWebgpuConv2d's own results, and names what is wrong with an entry that is not one", async () => {
    clearConv2dTuning();
    const input = x();
    const tunings = await tuneWebgpuConv2d(() => tf.conv2d(input, filters[0], 1, 'same'), {
      tiles: ['small'],
      rounds: 1,
      secondsPerCandidate: 0.01,
    });
    clearConv2dTuning();
    expect(() => useConv2dTunings(JSON.parse(JSON.stringify(tunings)))).not.toThrow();
    const { signature } = tunings[0];
    const bad = [
      [
        { signature: { ...signature, x: [2, 10, 10] }, choice: { algorithm: 'gemm' } },
        /entry 0 needs a signature with x and filter shapes/,
      ],
      [
        { signature, choice: { algorithm: 'fft' } },
        /entry 0 needs a choice whose algorithm is one of tfjs, gemm, winograd2x2, winograd4x4/,
      ],
      [
        { signature, choice: { algorithm: 'gemm', tile: 'huge' } },
        /entry 0 names tile 'huge', not one of large, narrow, small, large16, wide, small8x8/,
      ],
    ] as const;
    for (const [entry, message] of bad) {
      expect(() => useConv2dTunings([entry as never])).toThrow(message);
    }
    input.dispose();
  });
});
