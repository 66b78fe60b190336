import * as tf from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { initBackend } from '../init-backend';
import { Random } from '../random';
import { expectNoLeakedTensors } from '../testing';
import type { WinogradTile } from '../winograd-matrices';
import { setConvAlgorithms } from './algorithms';
import { type HostTensor, randomHost, relativeError, runKernelOn } from './compare';
import { simdKernels } from './simd-kernels';
import { type WasmBackendLike, wasmMemory } from './wasm-ops';
import { setWinogradChunkBytes } from './winograd-tiles';

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

/**
 * Spies on both tiles' input transforms (or, for the filter gradient, dy's transforms); `tiles()`
 * lists the tile sizes that ran since.
 */
async function spyOnTiles(transform: 'Input' | 'GradOutput' = 'Input') {
  const helpers = await wasmHelpers();
  const spies = {
    2: vi.spyOn(helpers, `winograd2x2${transform}`),
    4: vi.spyOn(helpers, `winograd4x4${transform}`),
  };
  return {
    tiles: () => ([2, 4] as const).filter((m) => spies[m].mock.calls.length > 0),
    clear: () => {
      for (const spy of Object.values(spies)) spy.mockClear();
    },
  };
}

/**
 * Runs a kernel on cpu, then on wasm with one Winograd tile forced; expects the same output
 * and says which tiles ran.
 */
async function compareWithCpu(
  kernel: string,
  inputs: Record<string, HostTensor>,
  attrs: tf.NamedAttrMap,
  m: WinogradTile = 2,
) {
  const cpu = await runKernelOn('cpu', kernel, inputs, attrs);
  const spy = await spyOnTiles(kernel === tf.Conv2DBackpropFilter ? 'GradOutput' : 'Input');
  const choice = m === 2 ? 'winograd2x2' : 'winograd4x4';
  const previous = setConvAlgorithms({ forward: choice, input: choice, filter: choice });
  try {
    const wasm = await runKernelOn('wasm', kernel, inputs, attrs);
    expect(wasm.shape).toEqual(cpu.shape);
    expect(relativeError(wasm.values, cpu.values)).toBeLessThan(TOLERANCE);
    return { tiles: spy.tiles(), values: wasm.values };
  } finally {
    setConvAlgorithms(previous);
  }
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe.each([2, 4] as const)('Winograd F(m x m, 3x3) conv2d on wasm, m = %i', (m) => {
  for (const [i, c] of CASES.entries()) {
    it(`FusedConv2D matches cpu: ${caseLabel(c)}`, async () => {
      const { tiles } = await compareWithCpu(tf.FusedConv2D, inputsOf(c, i), fusedAttrs(c), m);
      expect(tiles).toEqual([m]);
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
      const { tiles } = await compareWithCpu(tf.Conv2DBackpropInput, inputs, attrs as tf.NamedAttrMap, m);
      // Paddings wider than the filter leave rows of dy that no input pixel reaches: other algorithms.
      const wide = typeof c.pad === 'object' && c.pad.flat().some((p) => p > 2);
      expect(tiles).toEqual(wide ? [] : [m]);
    });
  }

  for (const [i, c] of CASES.entries()) {
    it(`Conv2DBackpropFilter matches cpu: ${caseLabel(c)}`, async () => {
      const info = tf.backend_util.computeConv2DInfo(c.x, [3, 3, c.x[3], c.outC], 1, 1, c.pad);
      const rng = new Random(100 + i);
      const inputs = {
        x: randomHost(rng, c.x),
        dy: randomHost(rng, [c.x[0], info.outHeight, info.outWidth, c.outC]),
      };
      const attrs = { strides: 1, pad: c.pad, dataFormat: 'NHWC', filterShape: [3, 3, c.x[3], c.outC] };
      const { tiles } = await compareWithCpu(tf.Conv2DBackpropFilter, inputs, attrs as tf.NamedAttrMap, m);
      expect(tiles).toEqual([m]);
    });
  }

  it('Conv2D matches cpu, at VGG16 input magnitudes (-120 to 150)', async () => {
    const c = CASES[0];
    const attrs = { strides: [1, 1], pad: 'same', dataFormat: 'NHWC', dilations: [1, 1] };
    const inputs = inputsOf(c, 7, 100);
    delete inputs.bias;
    const { tiles } = await compareWithCpu(tf.Conv2D, inputs, attrs as unknown as tf.NamedAttrMap, m);
    expect(tiles).toEqual([m]);
  });

  it("matches cpu over VGG16's deepest sums (3 x 3 x 512 taps)", async () => {
    const c: Case = { x: [1, 9, 9, 512], outC: 16, pad: 'same', activation: 'relu', bias: true };
    const { tiles } = await compareWithCpu(tf.FusedConv2D, inputsOf(c, 13), fusedAttrs(c), m);
    expect(tiles).toEqual([m]);
  });

  it('sums the filter gradient over chunks of one tile row', async () => {
    const previous = setWinogradChunkBytes(1);
    try {
      const x: [number, number, number, number] = [3, 10, 9, 8];
      const rng = new Random(12);
      const inputs = { x: randomHost(rng, x), dy: randomHost(rng, [3, 10, 9, 12]) };
      const attrs = { strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 8, 12] };
      const { tiles } = await compareWithCpu(tf.Conv2DBackpropFilter, inputs, attrs as tf.NamedAttrMap, m);
      expect(tiles).toEqual([m]);
    } finally {
      setWinogradChunkBytes(previous);
    }
  });

  it('gives the same output in chunks of one tile row as in one chunk', async () => {
    const c: Case = { x: [3, 10, 9, 8], outC: 12, pad: 'same', activation: 'relu', bias: true };
    const whole = await compareWithCpu(tf.FusedConv2D, inputsOf(c, 11), fusedAttrs(c), m);
    const previous = setWinogradChunkBytes(1);
    try {
      const rows = await compareWithCpu(tf.FusedConv2D, inputsOf(c, 11), fusedAttrs(c), m);
      expect(rows.values).toEqual(whole.values);
    } finally {
      setWinogradChunkBytes(previous);
    }
  });
});

describe('Winograd on wasm: when it runs', () => {
  it("takes Winograd under 'auto' for wide enough layers only (winogradGains: 64+ channels from 2,048 output pixels, 32+ from 16,384)", async () => {
    const vggLike: Case = { x: [2, 32, 32, 64], outC: 64, pad: 'same', activation: 'relu', bias: true };
    const wide32: Case = { x: [16, 32, 32, 32], outC: 32, pad: 'same', activation: 'relu', bias: true };
    const spy = await spyOnTiles();
    for (const c of [vggLike, wide32]) {
      spy.clear();
      await runKernelOn('wasm', tf.FusedConv2D, inputsOf(c, 3), fusedAttrs(c));
      expect(spy.tiles()).toEqual([4]);
    }
    spy.clear();
    // MNIST's convs: 32 in-channels; 64 channels but 64 x 3 x 3 output pixels.
    const mnistConv2: Case = { x: [4, 13, 13, 32], outC: 64, pad: 'valid', activation: 'relu', bias: true };
    const mnistConv3: Case = { x: [64, 5, 5, 64], outC: 64, pad: 'valid', activation: 'relu', bias: true };
    for (const c of [mnistConv2, mnistConv3])
      await runKernelOn('wasm', tf.FusedConv2D, inputsOf(c, 3), fusedAttrs(c));
    expect(spy.tiles()).toEqual([]);
  });

  it("takes Winograd under 'auto' for few tiles once a filter is used again (inference, gradient ascent)", async () => {
    const spy = await spyOnTiles();
    const x = tf.randomUniform([1, 14, 14, 64]) as tf.Tensor4D; // 196 output pixels
    const filter = tf.randomUniform([3, 3, 64, 64]) as tf.Tensor4D;
    const conv = () => tf.tidy(() => tf.conv2d(x, filter, 1, 'same'));
    const first = conv();
    expect(spy.tiles()).toEqual([]);
    const again = conv();
    expect(spy.tiles()).toEqual([4]);
    const [a, b] = [await first.data(), await again.data()];
    expect(relativeError(b, a)).toBeLessThan(TOLERANCE);
    // The input gradient: never for a new filter (col2im is as fast), then as the forward conv.
    spy.clear();
    const inputGrad = (f: tf.Tensor4D) => tf.conv2dTranspose(x, f, [1, 14, 14, 64], 1, 'same');
    const fresh = tf.randomUniform([3, 3, 64, 64]) as tf.Tensor4D;
    tf.dispose([inputGrad(fresh), inputGrad(filter)]);
    expect(spy.tiles()).toEqual([]);
    tf.dispose(inputGrad(filter));
    expect(spy.tiles()).toEqual([4]);
    tf.dispose([x, filter, first, again, fresh]);
  });

  it("takes Winograd under 'auto' for the filter gradient of VGG16-like layers only (64+ channels, output pixels x channels from 2,048 x 64)", async () => {
    const spy = await spyOnTiles('GradOutput');
    const filterGrad = (x: [number, number, number, number], co: number, pad: 'same' | 'valid') =>
      tf.tidy(() => {
        const info = tf.backend_util.computeConv2DInfo(x, [3, 3, x[3], co], 1, 1, pad);
        const attrs = { strides: 1, pad, dataFormat: 'NHWC', filterShape: [3, 3, x[3], co] };
        const inputs = {
          x: tf.randomUniform(x),
          dy: tf.randomUniform([x[0], info.outHeight, info.outWidth, co]),
        };
        return tf.engine().runKernel(tf.Conv2DBackpropFilter, inputs, attrs as unknown as tf.NamedAttrMap);
      }) as tf.Tensor;
    tf.dispose(filterGrad([2, 32, 32, 64], 64, 'same'));
    expect(spy.tiles()).toEqual([4]);
    spy.clear();
    // MNIST's conv2 (32 in-channels) and conv3 (64 x 3 x 3 output pixels).
    tf.dispose([filterGrad([64, 13, 13, 32], 64, 'valid'), filterGrad([64, 5, 5, 64], 64, 'valid')]);
    expect(spy.tiles()).toEqual([]);
  });

  it("takes Winograd for a new filter's input gradient from 4,096 output pixels", async () => {
    const spy = await spyOnTiles();
    const inputGrad = (shape: [number, number, number, number]) =>
      tf.tidy(() => {
        const dy = tf.randomUniform(shape) as tf.Tensor4D;
        const filter = tf.randomUniform([3, 3, 64, shape[3]]) as tf.Tensor4D;
        return tf.conv2dTranspose(dy, filter, [...shape.slice(0, 3), 64] as typeof shape, 1, 'same');
      });
    tf.dispose(inputGrad([3, 36, 36, 64])); // 3,888 pixels
    expect(spy.tiles()).toEqual([]);
    tf.dispose(inputGrad([4, 32, 32, 64])); // 4,096
    expect(spy.tiles()).toEqual([4]);
  });

  it("picks the tile with fewer products over the output under 'winograd'", async () => {
    const spy = await spyOnTiles();
    const previous = setConvAlgorithms({ forward: 'winograd' });
    try {
      // Products per image: 2x2 tiles 16 x ceil(h/2) x ceil(w/2), 4x4 tiles 36 x ceil(h/4) x ceil(w/4).
      const expected: [number, WinogradTile][] = [
        [2, 2], // 16 against 36
        [5, 2], // 144 against 144: a tie keeps 2x2
        [9, 4], // 400 against 324
        [150, 4],
      ];
      for (const [size, m] of expected) {
        spy.clear();
        const c: Case = { x: [1, size, size, 8], outC: 8, pad: 'same', activation: 'relu', bias: true };
        await runKernelOn('wasm', tf.FusedConv2D, inputsOf(c, 1), fusedAttrs(c));
        expect(spy.tiles(), `${size}x${size}`).toEqual([m]);
      }
    } finally {
      setConvAlgorithms(previous);
    }
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
      for (const m of [2, 4] as const) {
        const { tiles } = await compareWithCpu(tf.FusedConv2D, inputs, attrs, m);
        expect(tiles, what).toEqual([]);
      }
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
