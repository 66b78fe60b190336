import * as tf from '@tensorflow/tfjs-core';
// tfjs-core's node build registers no gradients; tfjs-layers' node build registers them all.
import '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { initBackend } from '../init-backend';
import { Random } from '../random';
import { expectNoLeakedTensors } from '../testing';
import { type ConvAlgorithms, setConvAlgorithms } from './algorithms';
import { type HostTensor, randomHost, relativeError, runKernelOn } from './compare';
import { conv2dBackpropFilterWasm } from './conv2d-backprop-filter';
import { conv2dBackpropInputWasm } from './conv2d-backprop-input';
import { maxPoolGradWasm, setMaxPoolGradAlgorithm } from './max-pool-grad';
import { registerWasmTrainingKernels, WASM_TRAINING_KERNELS } from './register';
import { MODULES, setSimdKernelsDisabled, simdKernels } from './simd-kernels';
import { assemble } from './wasm-asm';
import { type WasmBackendLike, wasmMemory } from './wasm-ops';

const TOLERANCE = 1e-4;

type Pad = 'same' | 'valid' | tf.backend_util.ExplicitPadding;
interface ConvCase {
  batch: number;
  h: number;
  w: number;
  inC: number;
  outC: number;
  k: number;
  stride: number;
  pad: Pad;
}

function convCases(): ConvCase[] {
  const cases: ConvCase[] = [];
  const sizes = [
    { batch: 1, h: 7, w: 9 },
    { batch: 3, h: 8, w: 5 },
  ];
  const channels = [
    { inC: 1, outC: 8 },
    { inC: 3, outC: 1 },
    { inC: 8, outC: 3 },
  ];
  for (const k of [1, 3, 5])
    for (const stride of [1, 2])
      for (const pad of ['same', 'valid'] as const)
        for (const [i, size] of sizes.entries()) {
          // Every (size, channels) pair over the grid without the full product.
          const ch = channels[(k + stride + i + (pad === 'same' ? 1 : 0)) % channels.length];
          cases.push({ ...size, ...ch, k, stride, pad });
        }
  // Explicit paddings, including ones wider than the filter (rows that see only padding).
  cases.push({
    batch: 2,
    h: 6,
    w: 7,
    inC: 3,
    outC: 4,
    k: 3,
    stride: 1,
    pad: [
      [0, 0],
      [1, 0],
      [2, 1],
      [0, 0],
    ],
  });
  cases.push({
    batch: 2,
    h: 6,
    w: 7,
    inC: 3,
    outC: 4,
    k: 3,
    stride: 2,
    pad: [
      [0, 0],
      [4, 3],
      [0, 5],
      [0, 0],
    ],
  });
  cases.push({ batch: 1, h: 9, w: 9, inC: 8, outC: 8, k: 3, stride: 3, pad: 'valid' });
  // First layers (few taps, 32/64 out-channels): where the direct SIMD filter gradient runs.
  cases.push({ batch: 2, h: 9, w: 7, inC: 1, outC: 32, k: 3, stride: 1, pad: 'same' });
  cases.push({ batch: 1, h: 8, w: 8, inC: 3, outC: 64, k: 3, stride: 2, pad: 'valid' });
  cases.push({ batch: 2, h: 7, w: 6, inC: 1, outC: 32, k: 5, stride: 2, pad: 'same' });
  cases.push({
    batch: 1,
    h: 6,
    w: 7,
    inC: 1,
    outC: 32,
    k: 3,
    stride: 1,
    pad: [
      [0, 0],
      [2, 0],
      [0, 4],
      [0, 0],
    ],
  });
  return cases;
}

function label(c: ConvCase): string {
  const pad = typeof c.pad === 'string' ? c.pad : JSON.stringify(c.pad.slice(1, 3));
  return `x [${c.batch}, ${c.h}, ${c.w}, ${c.inC}] k${c.k} s${c.stride} ${pad} -> ${c.outC}`;
}

function outSize(c: ConvCase): [number, number] {
  const info = tf.backend_util.computeConv2DInfo(
    [c.batch, c.h, c.w, c.inC],
    [c.k, c.k, c.inC, c.outC],
    c.stride,
    1,
    c.pad,
  );
  return [info.outHeight, info.outWidth];
}

/** Runs a kernel on cpu and on wasm (once per algorithm choice) and expects the same output. */
async function expectSameOnWasmAndCpu(
  kernel: string,
  inputs: Record<string, HostTensor>,
  attrs: tf.NamedAttrMap,
  algorithms: (Partial<ConvAlgorithms> & { simd?: false })[] = [{}],
) {
  const cpu = await runKernelOn('cpu', kernel, inputs, attrs);
  let wasm = cpu;
  for (const { simd, ...choice } of algorithms) {
    const previous = setConvAlgorithms(choice);
    const simdWasOff = setSimdKernelsDisabled(simd === false);
    try {
      wasm = await runKernelOn('wasm', kernel, inputs, attrs);
    } finally {
      setConvAlgorithms(previous);
      setSimdKernelsDisabled(simdWasOff);
    }
    expect(wasm.shape).toEqual(cpu.shape);
    expect(relativeError(wasm.values, cpu.values), JSON.stringify(choice)).toBeLessThan(TOLERANCE);
  }
  return wasm;
}

describe('wasm training kernels match the cpu backend', () => {
  beforeAll(async () => {
    // The threaded build (wasm-training.test.ts runs the single-threaded one).
    await initBackend('wasm', { threads: 2 });
  });
  afterAll(async () => {
    await initBackend('cpu');
  });

  const rng = new Random('wasm-kernels');
  for (const c of convCases()) {
    it(`Conv2DBackpropFilter ${label(c)}, every algorithm`, async () => {
      const [oh, ow] = outSize(c);
      const inputs = {
        x: randomHost(rng, [c.batch, c.h, c.w, c.inC]),
        dy: randomHost(rng, [c.batch, oh, ow, c.outC]),
      };
      const attrs = {
        strides: c.stride,
        pad: c.pad,
        dataFormat: 'NHWC',
        filterShape: [c.k, c.k, c.inC, c.outC],
      };
      await expectSameOnWasmAndCpu(tf.Conv2DBackpropFilter, inputs, attrs, [
        { filter: 'conv' },
        { filter: 'im2col' },
        { filter: 'im2col', simd: false },
        { filter: 'direct' },
      ]);
    });

    it(`Conv2DBackpropInput ${label(c)}, every algorithm`, async () => {
      const [oh, ow] = outSize(c);
      const inputs = {
        dy: randomHost(rng, [c.batch, oh, ow, c.outC]),
        filter: randomHost(rng, [c.k, c.k, c.inC, c.outC]),
      };
      const attrs = {
        strides: c.stride,
        pad: c.pad,
        dataFormat: 'NHWC',
        inputShape: [c.batch, c.h, c.w, c.inC],
      };
      await expectSameOnWasmAndCpu(tf.Conv2DBackpropInput, inputs, attrs, [
        { input: 'conv' },
        { input: 'col2im' },
        { input: 'col2im', simd: false },
        { input: 'winograd' },
      ]);
    });
  }

  it('handles non-square kernels and strides and NCHW data', async () => {
    const x = randomHost(rng, [2, 3, 9, 8]); // NCHW
    const filter = randomHost(rng, [3, 2, 3, 5]);
    const info = tf.backend_util.computeConv2DInfo([2, 9, 8, 3], [3, 2, 3, 5], [2, 1], 1, 'same');
    const dy = randomHost(rng, [2, 5, info.outHeight, info.outWidth]);
    const common = { strides: [2, 1], pad: 'same', dataFormat: 'NCHW' };
    await expectSameOnWasmAndCpu(
      tf.Conv2DBackpropFilter,
      { x, dy },
      { ...common, filterShape: [3, 2, 3, 5] },
      [{ filter: 'conv' }, { filter: 'im2col' }, { filter: 'im2col', simd: false }, { filter: 'direct' }],
    );
    const dx = await expectSameOnWasmAndCpu(
      tf.Conv2DBackpropInput,
      { dy, filter },
      { ...common, inputShape: [2, 3, 9, 8] },
      [{ input: 'conv' }, { input: 'col2im' }, { input: 'col2im', simd: false }],
    );
    expect(dx.shape).toEqual([2, 3, 9, 8]);
  });

  const poolCases = [
    { shape: [1, 7, 9, 1], size: 2, stride: 2, pad: 'valid' },
    { shape: [3, 8, 8, 3], size: 2, stride: 2, pad: 'same' },
    { shape: [2, 9, 7, 8], size: 3, stride: 2, pad: 'same' },
    { shape: [2, 9, 7, 8], size: 3, stride: 1, pad: 'valid' },
    { shape: [2, 10, 9, 4], size: 3, stride: 2, pad: 'same' },
    { shape: [3, 6, 6, 12], size: 2, stride: 2, pad: 'valid' },
    { shape: [2, 8, 7, 3], size: 2, stride: 3, pad: 'valid' },
    { shape: [1, 7, 8, 5], size: [2, 3], stride: [2, 3], pad: 'same' },
    {
      shape: [1, 6, 6, 3],
      size: 3,
      stride: 2,
      pad: [
        [0, 0],
        [1, 2],
        [2, 1],
        [0, 0],
      ],
    },
  ] as const;
  for (const p of poolCases) {
    it(`MaxPoolGrad [${p.shape.join(', ')}] pool ${p.size} stride ${p.stride} ${JSON.stringify(p.pad)}`, async () => {
      // Small integers make ties, where the first maximum in row-major order gets the gradient.
      const input: HostTensor = {
        shape: [...p.shape],
        values: rng.fill(
          p.shape.reduce((a: number, b: number) => a * b, 1),
          () => rng.int(0, 4),
        ),
      };
      const attrs = { filterSize: p.size as number, strides: p.stride as number, pad: p.pad as Pad };
      const output = await runKernelOn('cpu', tf.MaxPool, { x: input }, attrs);
      const dy = randomHost(rng, output.shape);
      const cpu = await runKernelOn('cpu', tf.MaxPoolGrad, { dy, input, output }, attrs);
      // Every implementation: SIMD wasm (channels a multiple of 4), the disjoint-window pass
      // over the forward output, the per-window argmax (also what runs without the output).
      for (const choice of ['auto', 'disjoint', 'any'] as const) {
        const previous = setMaxPoolGradAlgorithm(choice);
        try {
          const withAndWithoutOutput: Record<string, HostTensor>[] = [
            { dy, input, output },
            { dy, input },
          ];
          for (const inputs of withAndWithoutOutput) {
            const wasm = await runKernelOn('wasm', tf.MaxPoolGrad, inputs, attrs);
            expect(wasm.shape).toEqual(cpu.shape);
            expect(relativeError(wasm.values, cpu.values), choice).toBeLessThan(TOLERANCE);
          }
        } finally {
          setMaxPoolGradAlgorithm(previous);
        }
      }
    });
  }

  const matMulCases = [
    { a: [7, 5], b: [5, 3], transposeA: false, transposeB: false },
    { a: [5, 7], b: [5, 3], transposeA: true, transposeB: false },
    { a: [7, 5], b: [3, 5], transposeA: false, transposeB: true },
    { a: [5, 7], b: [3, 5], transposeA: true, transposeB: true },
    { a: [1, 5, 7], b: [1, 5, 3], transposeA: true, transposeB: false },
    { a: [2, 5, 7], b: [2, 3, 5], transposeA: true, transposeB: true },
    // Where computing C^T moves less data than transposing the inputs (a row times a big W^T, ...).
    { a: [1, 5], b: [300, 5], transposeA: false, transposeB: true },
    { a: [30, 40], b: [30, 2], transposeA: true, transposeB: false },
    { a: [1, 6, 1], b: [1, 9, 6], transposeA: true, transposeB: true },
  ];
  for (const c of matMulCases) {
    it(`BatchMatMul and _FusedMatMul [${c.a}] x [${c.b}] transposeA=${c.transposeA} transposeB=${c.transposeB}`, async () => {
      const a = randomHost(rng, c.a);
      const b = randomHost(rng, c.b);
      const attrs = { transposeA: c.transposeA, transposeB: c.transposeB };
      await expectSameOnWasmAndCpu(tf.BatchMatMul, { a, b }, attrs);
      if (c.a[0] === 1 || c.a.length === 2) {
        // The fused kernel takes 3-D inputs (tf.fused.matMul reshapes to them).
        const a3 = { ...a, shape: c.a.length === 2 ? [1, ...c.a] : c.a };
        const b3 = { ...b, shape: c.b.length === 2 ? [1, ...c.b] : c.b };
        const n = c.transposeB ? c.b.at(-2) : c.b.at(-1);
        const fused = { ...attrs, activation: 'relu', leakyreluAlpha: 0.2 };
        await expectSameOnWasmAndCpu(
          tf._FusedMatMul,
          { a: a3, b: b3, bias: randomHost(rng, [n as number]) },
          fused,
        );
        await expectSameOnWasmAndCpu(tf._FusedMatMul, { a: a3, b: b3 }, fused);
      }
    });
  }

  const sumCases = [
    { shape: [4, 5, 6, 3], axis: [0, 1, 2], keepDims: false },
    { shape: [4, 5, 6, 3], axis: [2, 0, 1], keepDims: true },
    { shape: [9, 7], axis: 0, keepDims: false },
    { shape: [4, 5, 6], axis: [0, 1], keepDims: false },
    { shape: [4, 5, 6], axis: [1, 2], keepDims: false },
    { shape: [4, 5, 6], axis: -1, keepDims: true },
    { shape: [4, 5, 6, 12], axis: [0, 1, 2], keepDims: false },
    { shape: [700, 8], axis: 0, keepDims: true },
  ];
  for (const c of sumCases) {
    it(`Sum [${c.shape}] over ${JSON.stringify(c.axis)} keepDims=${c.keepDims}`, async () => {
      await expectSameOnWasmAndCpu(
        tf.Sum,
        { x: randomHost(rng, c.shape) },
        { axis: c.axis, keepDims: c.keepDims },
        [{}, { simd: false }],
      );
    });
  }
});

describe('the SIMD helper module', () => {
  it('assembles, validates and binds to the backend heap in this runtime', async () => {
    await initBackend('wasm');
    const wasm = (
      tf.backend() as unknown as {
        wasm: { wasmMemory?: WebAssembly.Memory; asm?: { memory?: WebAssembly.Memory } };
      }
    ).wasm;
    const memory = wasm.wasmMemory ?? wasm.asm?.memory;
    expect(memory).toBeInstanceOf(WebAssembly.Memory);
    const kernels = simdKernels(memory);
    expect(kernels?.maxPoolGrad).toBeTypeOf('function');
    expect(kernels?.col2im).toBeTypeOf('function');
    expect(kernels?.im2colTap).toBeTypeOf('function');
    expect(kernels?.columnSum).toBeTypeOf('function');
    expect(kernels?.thinFilterGrad).toBeTypeOf('function');
    // Browsers compile synchronously on the main thread only below 4 KB.
    for (const functions of MODULES) expect(assemble(functions, true).length).toBeLessThan(4096);
  });
});

describe("Conv2DBackpropFilter's 'auto' on wasm", () => {
  it('runs the direct SIMD sums for first layers (at most 32 taps x in-channels) only', async () => {
    await initBackend('wasm');
    const helpers = simdKernels(wasmMemory(tf.backend() as unknown as WasmBackendLike));
    if (!helpers) throw new Error('this runtime has no wasm SIMD');
    const direct = vi.spyOn(helpers, 'thinFilterGrad');
    const filterGrad = (x: [number, number, number, number], co: number) =>
      tf.tidy(() => {
        const [n, h, w, ci] = x;
        const inputs = { x: tf.randomUniform(x), dy: tf.randomUniform([n, h - 2, w - 2, co]) };
        const attrs = { strides: 1, pad: 'valid', dataFormat: 'NHWC', filterShape: [3, 3, ci, co] };
        return tf.engine().runKernel(tf.Conv2DBackpropFilter, inputs, attrs as unknown as tf.NamedAttrMap);
      }) as tf.Tensor;
    try {
      tf.dispose(filterGrad([64, 28, 28, 1], 32)); // MNIST's conv1
      tf.dispose(filterGrad([2, 150, 150, 3], 32)); // cats-vs-dogs' conv1
      expect(direct).toHaveBeenCalledTimes(2);
      direct.mockClear();
      tf.dispose(filterGrad([8, 10, 10, 4], 32)); // 36 taps
      tf.dispose(filterGrad([8, 10, 10, 3], 16)); // out-channels not a multiple of 32
      expect(direct).not.toHaveBeenCalled();
    } finally {
      direct.mockRestore();
    }
  });
});

describe('Identity and Cast on wasm', () => {
  it('share unchanged data instead of copying, and still cast when the dtype changes', async () => {
    await initBackend('wasm');
    const backend = tf.backend() as unknown as { numDataIds(): number };
    const x = tf.tensor([1.5, -2, 3]);
    const before = backend.numDataIds();
    const same = tf.cast(x, 'float32');
    const copy = tf.clone(x);
    expect(backend.numDataIds()).toBe(before);
    const ints = tf.cast(x, 'int32');
    expect(backend.numDataIds()).toBe(before + 1);
    x.dispose();
    expect(Array.from(await same.data())).toEqual([1.5, -2, 3]);
    expect(Array.from(await copy.data())).toEqual([1.5, -2, 3]);
    expect(Array.from(await ints.data())).toEqual([1, -2, 3]);
    expect(ints.dtype).toBe('int32');
    tf.dispose([same, copy, ints]);
    expect(backend.numDataIds()).toBe(before - 1);
  });
});

describe('registerWasmTrainingKernels', () => {
  it('runs when initBackend starts wasm, and again without throwing or warning', async () => {
    await initBackend('wasm');
    expect(tf.getKernel(tf.Conv2DBackpropFilter, 'wasm')?.kernelFunc).toBe(conv2dBackpropFilterWasm);
    expect(tf.getKernel(tf.Conv2DBackpropInput, 'wasm')?.kernelFunc).toBe(conv2dBackpropInputWasm);
    expect(tf.getKernel(tf.MaxPoolGrad, 'wasm')?.kernelFunc).toBe(maxPoolGradWasm);
    // Wrapped kernels keep the original's setupFunc, which the original kernelFunc needs.
    for (const name of [tf.BatchMatMul, tf._FusedMatMul, tf.Sum]) {
      expect(WASM_TRAINING_KERNELS).toContain(name);
      expect(tf.getKernel(name, 'wasm')?.setupFunc, name).toBeTypeOf('function');
    }
    expect(WASM_TRAINING_KERNELS).toEqual(expect.arrayContaining([tf.Identity, tf.Cast]));
    const warn = vi.spyOn(console, 'warn');
    expect(registerWasmTrainingKernels()).toEqual([]);
    await initBackend('wasm');
    expect(warn).not.toHaveBeenCalled();
    warn.mockRestore();
  });

  it('leaves no tensors or wasm heap buffers behind', async () => {
    await initBackend('wasm');
    const backend = tf.backend() as unknown as { numDataIds(): number };
    const x = tf.randomNormal([2, 9, 9, 3]) as tf.Tensor4D;
    const dy = tf.randomNormal([2, 5, 5, 4]) as tf.Tensor4D;
    const k = tf.randomNormal([3, 3, 3, 4]) as tf.Tensor4D;
    const before = backend.numDataIds();
    await expectNoLeakedTensors(() => {
      for (let i = 0; i < 3; i++) {
        tf.tidy(() => {
          tf.engine().runKernel(
            tf.Conv2DBackpropFilter,
            { x, dy },
            {
              strides: 2,
              pad: 'same',
              dataFormat: 'NHWC',
              filterShape: [3, 3, 3, 4],
            },
          );
          tf.conv2dTranspose(dy, k, [2, 9, 9, 3], 2, 'same');
          tf.grad((t) => tf.maxPool(t as tf.Tensor4D, 2, 2, 'same'))(x);
        });
      }
    });
    expect(backend.numDataIds()).toBe(before);
    tf.dispose([x, dy, k]);
  });

  it('says what was wrong when dy does not fit the input and filter', async () => {
    await initBackend('wasm');
    const x = tf.zeros([1, 8, 8, 2]);
    const dy = tf.zeros([1, 5, 5, 3]);
    expect(() =>
      tf.engine().runKernel(
        tf.Conv2DBackpropFilter,
        { x, dy },
        {
          strides: 1,
          pad: 'valid',
          dataFormat: 'NHWC',
          filterShape: [3, 3, 2, 3],
        },
      ),
    ).toThrow(/dy has shape \[1, 5, 5, 3\], expected \[1, 6, 6, 3\]/);
    tf.dispose([x, dy]);
  });
});
