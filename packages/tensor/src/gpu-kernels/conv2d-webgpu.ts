import * as tf from '@tensorflow/tfjs-core';
import { convAlgorithms } from '../wasm-kernels/algorithms';
import { intUniforms, MAX_WORKGROUPS_PER_DIMENSION, runWorkgroups, type Uniform } from './webgpu-program';

/**
 * The tile of the output (rows: batch x output positions; columns: out-channels) one workgroup
 * computes, the depth of the reduction (taps x in-channels) it stages per step, and the rows and
 * columns each thread accumulates (multiples of 4: columns as vec4s, rows in groups of 4).
 */
export interface ConvTile {
  rows: number;
  columns: number;
  depth: number;
  rowsPerThread: number;
  columnsPerThread: number;
}

/** The tiles convkit's conv2d picks from. */
export const CONV_TILES = {
  large: { rows: 128, columns: 128, depth: 8, rowsPerThread: 8, columnsPerThread: 8 },
  narrow: { rows: 128, columns: 64, depth: 16, rowsPerThread: 8, columnsPerThread: 4 },
  small: { rows: 64, columns: 64, depth: 16, rowsPerThread: 4, columnsPerThread: 4 },
} as const satisfies Record<string, ConvTile>;

/** Workgroups below which a tile of 128 rows leaves a large GPU (132 multiprocessors) half idle. */
const FILL_WORKGROUPS = 512;

/** The tile for an output of `rows` x `columns`: 64 columns where there are no more, 64 rows where 128 would not fill the GPU. */
export function pickConvTile(rows: number, columns: number): ConvTile {
  if (columns <= 64) {
    return Math.ceil(rows / 128) >= FILL_WORKGROUPS ? CONV_TILES.narrow : CONV_TILES.small;
  }
  return Math.ceil(rows / 128) * Math.ceil(columns / 128) >= FILL_WORKGROUPS ? CONV_TILES.large : CONV_TILES.small;
}

/** Activations applied to the output in the kernel, as WGSL on a vec4 `v` (leakyrelu reads uniforms.alpha). */
const ACTIVATIONS: Record<string, string> = {
  linear: 'v',
  relu: 'max(v, vec4<f32>(0.0))',
  relu6: 'clamp(v, vec4<f32>(0.0), vec4<f32>(6.0))',
  elu: 'select(exp(v) - vec4<f32>(1.0), v, v >= vec4<f32>(0.0))',
  sigmoid: '1.0 / (1.0 + exp(-v))',
  leakyrelu: 'select(v * uniforms.alpha, v, v >= vec4<f32>(0.0))',
};

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/**
 * The WGSL of an implicit-GEMM conv2d: output[m, n] = sum over k of A[m, k] * W[k, n], where
 * m = (batch, oh, ow), k = (kh, kw, ci) and A[m, k] = x[batch, oh*sh + kh - top, ow*sw + kw - left, ci]
 * (0 in the padding). Each step stages a rows x depth slice of A (transposed) and a depth x
 * columns slice of W in workgroup memory, while each thread already reads its part of the next
 * slice into registers. `vectorX` reads x as vec4s along in-channels (in-channels a multiple of 4).
 * Loops over loads and products are unrolled here, in JavaScript, so that accumulators stay in
 * registers.
 */
export function conv2dShader(tile: ConvTile, vectorX: boolean, hasBias: boolean, activation: string): string {
  const { rows, columns, depth, rowsPerThread, columnsPerThread } = tile;
  const threadColumns = columns / columnsPerThread;
  const threads = (rows / rowsPerThread) * threadColumns;
  const rowGroups = rowsPerThread / 4;
  const columnGroups = columnsPerThread / 4;
  const width = vectorX ? 4 : 1;
  const xType = vectorX ? 'vec4<f32>' : 'f32';
  const loadsA = (rows * depth) / width / threads;
  const loadsB = (depth * columns) / 4 / threads;
  const slicesPerRowA = depth / width;
  const slicesPerRowB = columns / 4;
  // Each thread's loads keep their k offset (and rows advance by a whole number) across steps.
  const rowStepA = threads / slicesPerRowA;
  const rowStepB = threads / slicesPerRowB;
  if (![loadsA, loadsB, rowStepA, rowStepB].every((n) => Number.isInteger(n) && n >= 1)) {
    throw new Error(`conv2dShader: tile ${JSON.stringify(tile)} does not split into whole loads per thread`);
  }

  const declareRows = range(loadsA)
    .map(
      (i) => `
    let m${i} = row0 + firstRowA + ${i * rowStepA};
    let ow${i} = m${i} % uniforms.outW;
    let q${i} = m${i} / uniforms.outW;
    let ihBase${i} = (q${i} % uniforms.outH) * uniforms.strideH - uniforms.padTop;
    let iwBase${i} = ow${i} * uniforms.strideW - uniforms.padLeft;
    let image${i} = (q${i} / uniforms.outH) * uniforms.inH;
    let rowOk${i} = m${i} < uniforms.M;`,
    )
    .join('');
  const readA = (k: string, i: number) => `
      {
        let k = ${k};
        let tap = k / uniforms.inC;
        let ih = ihBase${i} + tap / uniforms.filterW;
        let iw = iwBase${i} + tap % uniforms.filterW;
        if (rowOk${i} && k < uniforms.K && ih >= 0 && ih < uniforms.inH && iw >= 0 && iw < uniforms.inW) {
          a${i} = X[(((image${i} + ih) * uniforms.inW + iw) * uniforms.inC + k % uniforms.inC) / ${width}];
        } else {
          a${i} = ${xType}(0.0);
        }
      }`;
  const readB = (k: string, i: number) => `
      {
        let k = ${k} + ${i * rowStepB};
        if (k < uniforms.K && columnOkB) { b${i} = W[(k * uniforms.N + columnB) / 4]; } else { b${i} = vec4<f32>(0.0); }
      }`;
  const readSlices = (k0: string) =>
    range(loadsA)
      .map((i) => readA(`${k0} + kOffsetA`, i))
      .join('') + range(loadsB).map((i) => readB(`${k0} + firstDepthB`, i)).join('');
  const storeSlices =
    range(loadsA)
      .map((i) => {
        const m = `(firstRowA + ${i * rowStepA})`;
        return vectorX
          ? range(4)
              .map((j) => `tileA[(kOffsetA + ${j}) * ${rows / 4} + ${m} / 4][${m} % 4] = a${i}[${j}];`)
              .join('\n      ')
          : `tileA[kOffsetA * ${rows / 4} + ${m} / 4][${m} % 4] = a${i};`;
      })
      .join('\n      ') +
    '\n      ' +
    range(loadsB)
      .map((i) => `tileB[(firstDepthB + ${i * rowStepB}) * ${columns / 4} + columnSliceB] = b${i};`)
      .join('\n      ');
  const products = range(depth)
    .map((k) => {
      const as = range(rowGroups).map(
        (g) => `let a${g}_${k} = tileA[${k * (rows / 4) + (g * rows) / rowGroups / 4} + ty];`,
      );
      const bs = range(columnGroups).map(
        (g) => `let b${g}_${k} = tileB[${k * (columns / 4) + (g * columns) / columnGroups / 4} + tx];`,
      );
      const fmas = range(rowsPerThread).flatMap((r) =>
        range(columnGroups).map(
          (c) => `acc${r}_${c} = fma(vec4<f32>(a${Math.floor(r / 4)}_${k}[${r % 4}]), b${c}_${k}, acc${r}_${c});`,
        ),
      );
      return [...as, ...bs, ...fmas].join('\n      ');
    })
    .join('\n      ');
  const accumulators = range(rowsPerThread)
    .flatMap((r) => range(columnGroups).map((c) => `var acc${r}_${c} = vec4<f32>(0.0);`))
    .join(' ');
  const writes = range(rowsPerThread)
    .map((r) => {
      const row = `row0 + ${(Math.floor(r / 4) * rows) / rowGroups} + ty * 4 + ${r % 4}`;
      const columnWrites = range(columnGroups).map((c) => {
        const column = `column0 + ${(c * columns) / columnGroups} + tx * 4`;
        const bias = hasBias ? ` + bias[(${column}) / 4]` : '';
        return `
      if (${column} < uniforms.N) {
        let v = acc${r}_${c}${bias};
        result[(m * uniforms.N + ${column}) / 4] = ${ACTIVATIONS[activation]};
      }`;
      });
      return `
    {
      let m = ${row};
      if (m < uniforms.M) {${columnWrites.join('')}
      }
    }`;
    })
    .join('');

  return `
  var<workgroup> tileA : array<vec4<f32>, ${(depth * rows) / 4}>;
  var<workgroup> tileB : array<vec4<f32>, ${(depth * columns) / 4}>;

  fn main(index : i32) {
    let t = i32(localIndex);
    let tx = t % ${threadColumns};
    let ty = t / ${threadColumns};
    let column0 = i32(workgroupId.x) * ${columns};
    let row0 = i32(workgroupId.y) * ${rows};

    let firstRowA = t / ${slicesPerRowA};
    let kOffsetA = (t % ${slicesPerRowA}) * ${width};
    ${declareRows}
    let firstDepthB = t / ${slicesPerRowB};
    let columnSliceB = t % ${slicesPerRowB};
    let columnB = column0 + columnSliceB * 4;
    let columnOkB = columnB < uniforms.N;

    ${range(loadsA)
      .map((i) => `var a${i} : ${xType};`)
      .join(' ')}
    ${range(loadsB)
      .map((i) => `var b${i} : vec4<f32>;`)
      .join(' ')}
    ${accumulators}

    ${readSlices('0')}
    ${storeSlices}
    workgroupBarrier();
    for (var step = 0; step < uniforms.steps; step++) {
      if (step + 1 < uniforms.steps) {${readSlices(`(step + 1) * ${depth}`)}
      }
      ${products}
      workgroupBarrier();
      ${storeSlices}
      workgroupBarrier();
    }
    ${writes}
  }`;
}

/** What convkit's conv2d needs to know of a Conv2D or FusedConv2D call. */
interface ConvCall {
  x: tf.TensorInfo;
  filter: tf.TensorInfo;
  bias?: tf.TensorInfo;
  activation: string;
  leakyreluAlpha?: number;
  strides: number | [number, number];
  pad: tf.Conv2DAttrs['pad'];
  dimRoundingMode?: tf.Conv2DAttrs['dimRoundingMode'];
}

/**
 * conv2d (NHWC) as convkit's implicit-GEMM kernel, or undefined where it does not apply: out-
 * channels not a multiple of 4, a bias that is not one per out-channel, an activation it does
 * not fuse, or more tiles than one dispatch holds.
 */
function runConv2d(backend: unknown, call: ConvCall, tile?: ConvTile): tf.TensorInfo | undefined {
  const { x, filter, bias, activation } = call;
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filter.shape as [number, number, number, number],
    call.strides,
    1,
    call.pad,
    call.dimRoundingMode,
  );
  const M = info.batchSize * info.outHeight * info.outWidth;
  const N = info.outChannels;
  const K = info.filterHeight * info.filterWidth * info.inChannels;
  if (N % 4 !== 0 || !(activation in ACTIVATIONS)) return undefined;
  if (bias && (bias.shape.length !== 1 || bias.shape[0] !== N)) return undefined;
  const chosen = tile ?? pickConvTile(M, N);
  const workgroups: [number, number, number] = [Math.ceil(N / chosen.columns), Math.ceil(M / chosen.rows), 1];
  if (workgroups[1] > MAX_WORKGROUPS_PER_DIMENSION || M === 0) return undefined;
  const vectorX = info.inChannels % 4 === 0;
  const uniforms: Uniform[] = intUniforms({
    M,
    N,
    K,
    inH: info.inHeight,
    inW: info.inWidth,
    inC: info.inChannels,
    outH: info.outHeight,
    outW: info.outWidth,
    filterW: info.filterWidth,
    strideH: info.strideHeight,
    strideW: info.strideWidth,
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
    steps: Math.ceil(K / chosen.depth),
  });
  if (activation === 'leakyrelu') uniforms.push({ name: 'alpha', type: 'f32', value: call.leakyreluAlpha ?? 0.2 });
  const { rows, columns, depth, rowsPerThread: rpt, columnsPerThread: cpt } = chosen;
  return runWorkgroups(backend, {
    key: `conv2d_${rows}_${columns}_${depth}_${rpt}_${cpt}_${vectorX}_${bias !== undefined}_${activation}`,
    inputs: bias ? [x, filter, bias] : [x, filter],
    variableNames: bias ? ['X', 'W', 'bias'] : ['X', 'W'],
    variableComponents: bias ? [vectorX ? 4 : 1, 4, 4] : [vectorX ? 4 : 1, 4],
    components: 4,
    outputShape: [info.batchSize, info.outHeight, info.outWidth, N],
    workgroups,
    workgroupSize: (rows / rpt) * (columns / cpt),
    uniforms,
    main: conv2dShader(chosen, vectorX, bias !== undefined, activation),
  });
}

/** Whether convkit's conv2d takes a call with these attributes (NHWC, no dilation, not turned off). */
function applies(attrs: { dataFormat?: string; dilations?: number | [number, number] }): boolean {
  const dilations = attrs.dilations ?? 1;
  const undilated = typeof dilations === 'number' ? dilations === 1 : dilations[0] === 1 && dilations[1] === 1;
  return attrs.dataFormat !== 'NCHW' && undilated && convAlgorithms().webgpu === 'convkit';
}

/**
 * FusedConv2D on webgpu (NHWC, bias and activation applied as each output is written), as
 * convkit's implicit-GEMM kernel: 128 x 128 output tiles with 8 x 8 per thread where the output
 * fills the GPU, smaller tiles where it does not. tfjs-backend-webgpu 4.22's kernel has 32 x 32
 * tiles with 4 x 4 per thread. NCHW, dilations, prelu and `setConvAlgorithms({ webgpu: 'tfjs' })`
 * run `original`.
 */
export function fusedConv2dWebgpu(original: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { x, filter, bias, preluActivationWeights } = args.inputs as Record<string, tf.TensorInfo | undefined>;
    const attrs = args.attrs as unknown as tf.FusedConv2DAttrs;
    if (!applies(attrs) || preluActivationWeights) return original(args);
    const call = { ...attrs, x: x!, filter: filter!, bias, activation: attrs.activation ?? 'linear' };
    return runConv2d(args.backend, call) ?? original(args);
  };
}

/** Conv2D on webgpu as convkit's implicit-GEMM kernel; as fusedConv2dWebgpu, without bias or activation. */
export function conv2dWebgpu(original: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { x, filter } = args.inputs as Record<string, tf.TensorInfo>;
    const attrs = args.attrs as unknown as tf.Conv2DAttrs;
    if (!applies(attrs)) return original(args);
    return runConv2d(args.backend, { ...attrs, x, filter, activation: 'linear' }) ?? original(args);
  };
}

/** Runs convkit's conv2d with a given tile (for benchmarks that compare tiles); as tf.fused.conv2d. */
export function conv2dWithTile(
  x: tf.Tensor4D,
  filter: tf.Tensor4D,
  bias: tf.Tensor1D | undefined,
  strides: number | [number, number],
  pad: 'valid' | 'same' | number,
  activation: 'linear' | 'relu',
  tile: ConvTile,
): tf.Tensor4D {
  const backend = tf.backend();
  const info = runConv2d(backend, { x, filter, bias, activation, strides, pad }, tile);
  if (!info) throw new Error('conv2dWithTile: convkit has no kernel for this conv2d (out-channels not a multiple of 4?)');
  return tf.engine().makeTensorFromTensorInfo(info) as tf.Tensor4D;
}
