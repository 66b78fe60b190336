import * as tf from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { initBackend } from '../init-backend';
import { Random } from '../random';
import { expectNoLeakedTensors } from '../testing';
import { setConvAlgorithms } from './algorithms';
import { type HostTensor, randomHost, relativeError, runKernelOn } from './compare';
import { simdKernels } from './simd-kernels';
import { type WasmBackendLike, wasmMemory } from './wasm-ops';
import { setWinogradChunkBytes } from './winograd-conv2d';

const TOLERANCE = 1e-4;

type Pad = 'same' | 'valid' | number | tf.backend_util.ExplicitPadding;

interface Case {
  x: [number, number, number, number];
  outC: number;
  pad: Pad;
  activation: 'linear' | 'relu';
  bias: boolean;
}

const CASES: Case[] = [
  { x: [2, 9, 7, 16], outC: 20, pad: 'same', activation: 'relu', bias: true },
  { x: [1, 8, 8, 8], outC: 4, pad: 'valid', activation: 'linear', bias: false },
  { x: [3, 11, 6, 12], outC: 8, pad: 1, activation: 'relu', bias: true },
  {
    x: [2, 6, 7, 4],
    outC: 8,
    pad: [
      [0, 0],
      [1, 0],
      [2, 1],
      [0, 0],
    ],
    activation: 'linear',
    bias: true,
  },
  // Paddings wider than the filter: whole tiles read only zeros.
  {
    x: [1, 5, 4, 8],
    outC: 4,
    pad: [
      [0, 0],
      [3, 4],
      [0, 5],
      [0, 0],
    ],
    activation: 'relu',
    bias: false,
  },
  { x: [1, 3, 4, 16], outC: 16, pad: 'valid', activation: 'relu', bias: true },
  { x: [2, 1, 1, 4], outC: 4, pad: 'same', activation: 'linear', bias: true },
];

function caseLabel(c: Case): string {
  return `x [${c.x}] -> ${c.outC}, pad ${JSON.stringify(c.pad)}, ${c.activation}${c.bias ? ', bias' : ''}`;
}

function inputsOf(c: Case, seed: number, scale = 1): Record<string, HostTensor> {
  const rng = new Random(seed);
  const x = randomHost(rng, c.x);
  x.values = x.values.map((v) => v * scale);
  const inputs: Record<string, HostTensor> = { x, filter: randomHost(rng, [3, 3, c.x[3], c.outC]) };
  if (c.bias) inputs.bias = randomHost(rng, [c.outC]);
  return inputs;
}

function fusedAttrs(c: Case): tf.NamedAttrMap {
  return {
    strides: 1,
    pad: c.pad,
    dataFormat: 'NHWC',
    dilations: 1,
    activation: c.activation,
  } as unknown as tf.NamedAttrMap;
}

/** The SIMD helpers of the running wasm backend, to spy on. */
async function wasmHelpers() {
  await initBackend('wasm');
  const helpers = simdKernels(wasmMemory(tf.backend() as unknown as WasmBackendLike));
  if (!helpers) throw new Error('this runtime has no wasm SIMD');
  return helpers;
}

/** Runs a kernel on cpu, then on wasm with Winograd forced; expects the same output and says whether Winograd ran. */
async function compareWithCpu(kernel: string, inputs: Record<string, HostTensor>, attrs: tf.NamedAttrMap) {
  const cpu = await runKernelOn('cpu', kernel, inputs, attrs);
  const spy = vi.spyOn(await wasmHelpers(), 'winogradInput');
  const previous = setConvAlgorithms({ forward: 'winograd', input: 'winograd' });
  try {
    const wasm = await runKernelOn('wasm', kernel, inputs, attrs);
    expect(wasm.shape).toEqual(cpu.shape);
    expect(relativeError(wasm.values, cpu.values)).toBeLessThan(TOLERANCE);
    return { ranWinograd: spy.mock.calls.length > 0, values: wasm.values };
  } finally {
    setConvAlgorithms(previous);
    spy.mockRestore();
  }
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('Winograd F(2x2, 3x3) conv2d on wasm', () => {
  for (const [i, c] of CASES.entries()) {
    it(`FusedConv2D matches cpu: ${caseLabel(c)}`, async () => {
      const { ranWinograd } = await compareWithCpu(tf.FusedConv2D, inputsOf(c, i), fusedAttrs(c));
      expect(ranWinograd).toBe(true);
    });
  }

  for (const [i, c] of CASES.entries()) {
    it(`Conv2DBackpropInput matches cpu: ${caseLabel(c)}`, async () => {
      const info = tf.backend_util.computeConv2DInfo(c.x, [3, 3, c.x[3], c.outC], 1, 1, c.pad);
      const rng = new Random(i);
      const inputs = {
        dy: randomHost(rng, [c.x[0], info.outHeight, info.outWidth, c.outC]),
        filter: randomHost(rng, [3, 3, c.x[3], c.outC]),
      };
      const attrs = { strides: 1, pad: c.pad, dataFormat: 'NHWC', inputShape: c.x };
      const { ranWinograd } = await compareWithCpu(tf.Conv2DBackpropInput, inputs, attrs as tf.NamedAttrMap);
      // Paddings wider than the filter leave rows of dy that no input pixel reaches: other algorithms.
      const wide = typeof c.pad === 'object' && c.pad.flat().some((p) => p > 2);
      expect(ranWinograd).toBe(!wide);
    });
  }

  it('Conv2D matches cpu, at VGG16 input magnitudes (-120 to 150)', async () => {
    const c = CASES[0];
    const attrs = { strides: [1, 1], pad: 'same', dataFormat: 'NHWC', dilations: [1, 1] };
    const inputs = inputsOf(c, 7, 100);
    delete inputs.bias;
    const { ranWinograd } = await compareWithCpu(tf.Conv2D, inputs, attrs as unknown as tf.NamedAttrMap);
    expect(ranWinograd).toBe(true);
  });

  it('gives the same output in chunks of one tile row as in one chunk', async () => {
    const c: Case = { x: [3, 10, 9, 8], outC: 12, pad: 'same', activation: 'relu', bias: true };
    const whole = await compareWithCpu(tf.FusedConv2D, inputsOf(c, 11), fusedAttrs(c));
    const previous = setWinogradChunkBytes(1);
    try {
      const rows = await compareWithCpu(tf.FusedConv2D, inputsOf(c, 11), fusedAttrs(c));
      expect(rows.values).toEqual(whole.values);
    } finally {
      setWinogradChunkBytes(previous);
    }
  });

  it("takes Winograd under 'auto' for VGG16-like layers only (64+ channels, 512+ tiles)", async () => {
    const vggLike: Case = { x: [2, 32, 32, 64], outC: 64, pad: 'same', activation: 'relu', bias: true };
    const spy = vi.spyOn(await wasmHelpers(), 'winogradInput');
    await runKernelOn('wasm', tf.FusedConv2D, inputsOf(vggLike, 3), fusedAttrs(vggLike));
    expect(spy).toHaveBeenCalled();
    spy.mockClear();
    // MNIST's convs: 32 in-channels; 64 channels but 64 x 2 x 2 output tiles.
    const mnistConv2: Case = { x: [4, 13, 13, 32], outC: 64, pad: 'valid', activation: 'relu', bias: true };
    const mnistConv3: Case = { x: [64, 5, 5, 64], outC: 64, pad: 'valid', activation: 'relu', bias: true };
    for (const c of [mnistConv2, mnistConv3])
      await runKernelOn('wasm', tf.FusedConv2D, inputsOf(c, 3), fusedAttrs(c));
    expect(spy).not.toHaveBeenCalled();
  });

  it("takes Winograd under 'auto' for few tiles once a filter is used again (inference, gradient ascent)", async () => {
    const spy = vi.spyOn(await wasmHelpers(), 'winogradInput');
    const x = tf.randomUniform([1, 14, 14, 64]) as tf.Tensor4D; // 49 output tiles
    const filter = tf.randomUniform([3, 3, 64, 64]) as tf.Tensor4D;
    const conv = () => tf.tidy(() => tf.conv2d(x, filter, 1, 'same'));
    const first = conv();
    expect(spy).not.toHaveBeenCalled();
    const again = conv();
    expect(spy).toHaveBeenCalledTimes(1);
    const [a, b] = [await first.data(), await again.data()];
    expect(relativeError(b, a)).toBeLessThan(TOLERANCE);
    // The input gradient: never for a new filter (col2im is as fast), then as the forward conv.
    spy.mockClear();
    const inputGrad = (f: tf.Tensor4D) => tf.conv2dTranspose(x, f, [1, 14, 14, 64], 1, 'same');
    const fresh = tf.randomUniform([3, 3, 64, 64]) as tf.Tensor4D;
    tf.dispose([inputGrad(fresh), inputGrad(filter)]);
    expect(spy).not.toHaveBeenCalled();
    tf.dispose(inputGrad(filter));
    expect(spy).toHaveBeenCalledTimes(1);
    tf.dispose([x, filter, first, again, fresh]);
  });

  it('leaves what it cannot compute to XNNPACK (strides, dilations, other filters, channels, activations, NCHW)', async () => {
    const c = CASES[0];
    const base = fusedAttrs(c);
    const filterOf = (k: number, inC: number) => randomHost(new Random(5), [k, k, inC, c.outC]);
    const variants: [string, Record<string, HostTensor>, tf.NamedAttrMap][] = [
      ['stride 2', inputsOf(c, 1), { ...base, strides: 2 }],
      ['dilation 2', inputsOf(c, 1), { ...base, dilations: 2 }],
      ['5x5 filter', { ...inputsOf(c, 1), filter: filterOf(5, 16) }, base],
      [
        '3 in-channels',
        { ...inputsOf(c, 1), x: randomHost(new Random(6), [2, 9, 7, 3]), filter: filterOf(3, 3) },
        base,
      ],
      ['elu', inputsOf(c, 1), { ...base, activation: 'elu' }],
    ];
    for (const [what, inputs, attrs] of variants) {
      const { ranWinograd } = await compareWithCpu(tf.FusedConv2D, inputs, attrs);
      expect(ranWinograd, what).toBe(false);
    }
  });

  it('transforms a filter once, frees the transform once the filter is disposed, and leaks nothing', async () => {
    await initBackend('wasm');
    const backend = tf.backend();
    const previous = setConvAlgorithms({ forward: 'winograd' });
    try {
      const x = tf.randomUniform([1, 6, 6, 8]);
      const conv = (filter: tf.Tensor4D) => tf.tidy(() => tf.conv2d(x as tf.Tensor4D, filter, 1, 'same'));
      const a = tf.randomUniform([3, 3, 8, 8]) as tf.Tensor4D;
      tf.dispose(conv(a)); // a's transform is now cached
      const withA = backend.numDataIds();
      await expectNoLeakedTensors(() => tf.dispose([conv(a), conv(a)]));
      expect(backend.numDataIds()).toBe(withA);
      a.dispose();
      const b = tf.randomUniform([3, 3, 8, 8]) as tf.Tensor4D;
      tf.dispose(conv(b)); // b's transform replaces a's: one tensor (b) more than with a's
      expect(backend.numDataIds()).toBe(withA);
      tf.dispose([x, b]);
    } finally {
      setConvAlgorithms(previous);
    }
  });
});
