import type * as tf from '@tensorflow/tfjs-core';
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

/**
 * The tiles of convkit's conv2d and its Winograd products: pickConvTile picks from large, narrow
 * and small; tuneWebgpuConv2d tries every one.
 */
export const CONV_TILES = {
  large: { rows: 128, columns: 128, depth: 8, rowsPerThread: 8, columnsPerThread: 8 },
  narrow: { rows: 128, columns: 64, depth: 16, rowsPerThread: 8, columnsPerThread: 4 },
  small: { rows: 64, columns: 64, depth: 16, rowsPerThread: 4, columnsPerThread: 4 },
  large16: { rows: 128, columns: 128, depth: 16, rowsPerThread: 8, columnsPerThread: 8 },
  wide: { rows: 64, columns: 128, depth: 16, rowsPerThread: 4, columnsPerThread: 8 },
  small8x8: { rows: 64, columns: 64, depth: 16, rowsPerThread: 8, columnsPerThread: 8 },
} as const satisfies Record<string, ConvTile>;

/** Workgroups below which a tile of 128 rows leaves a large GPU (132 multiprocessors) half idle. */
const FILL_WORKGROUPS = 512;

/** The tile for an output of `rows` x `columns`: 64 columns where there are no more, 64 rows where 128 would not fill the GPU. */
export function pickConvTile(rows: number, columns: number): ConvTile {
  if (columns <= 64) {
    return Math.ceil(rows / 128) >= FILL_WORKGROUPS ? CONV_TILES.narrow : CONV_TILES.small;
  }
  return Math.ceil(rows / 128) * Math.ceil(columns / 128) >= FILL_WORKGROUPS
    ? CONV_TILES.large
    : CONV_TILES.small;
}

/** Activations convkit's kernels apply as they write the output, as WGSL on a vec4 `v` (leakyrelu reads uniforms.alpha). */
export const ACTIVATIONS: Record<string, string> = {
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
 * (0 in the padding); workgroups along z compute independent products, each at its own offset in
 * x, W and the output (the batched products of Winograd's algorithm). Each step stages a
 * rows x depth slice of A (transposed) and a depth x columns slice of W in workgroup memory,
 * while each thread already reads its part of the next slice into registers. `vectorX` reads x as vec4s along in-channels (in-channels a multiple of 4).
 * In-channels and filter width, which split each k into tap and channel, are constants of the
 * shader (`divisors`), so that those divisions compile to multiplications.
 * Loops over loads and products are unrolled here, in JavaScript, so that accumulators stay in
 * registers.
 */
export function implicitGemmShader(
  tile: ConvTile,
  vectorX: boolean,
  hasBias: boolean,
  activation: string,
  divisors: { inC: number; filterW: number },
): string {
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
    throw new Error(
      `implicitGemmShader: tile ${JSON.stringify(tile)} does not split into whole loads per thread`,
    );
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
        let tap = k / IN_C;
        let ih = ihBase${i} + tap / FILTER_W;
        let iw = iwBase${i} + tap % FILTER_W;
        if (rowOk${i} && k < uniforms.K && ih >= 0 && ih < uniforms.inH && iw >= 0 && iw < uniforms.inW) {
          a${i} = X[(offsetX + ((image${i} + ih) * uniforms.inW + iw) * IN_C + k % IN_C) / ${width}];
        } else {
          a${i} = ${xType}(0.0);
        }
      }`;
  const readB = (k: string, i: number) => `
      {
        let k = ${k} + ${i * rowStepB};
        if (k < uniforms.K && columnOkB) { b${i} = W[(offsetW + k * uniforms.N + columnB) / 4]; } else { b${i} = vec4<f32>(0.0); }
      }`;
  const readSlices = (k0: string) =>
    range(loadsA)
      .map((i) => readA(`${k0} + kOffsetA`, i))
      .join('') +
    range(loadsB)
      .map((i) => readB(`${k0} + firstDepthB`, i))
      .join('');
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
          (c) =>
            `acc${r}_${c} = fma(vec4<f32>(a${Math.floor(r / 4)}_${k}[${r % 4}]), b${c}_${k}, acc${r}_${c});`,
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
        result[(offsetOut + m * uniforms.N + ${column}) / 4] = ${ACTIVATIONS[activation]};
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
  const IN_C : i32 = ${divisors.inC};
  const FILTER_W : i32 = ${divisors.filterW};
  var<workgroup> tileA : array<vec4<f32>, ${(depth * rows) / 4}>;
  var<workgroup> tileB : array<vec4<f32>, ${(depth * columns) / 4}>;

  fn main(index : i32) {
    let t = i32(localIndex);
    let tx = t % ${threadColumns};
    let ty = t / ${threadColumns};
    let column0 = i32(workgroupId.x) * ${columns};
    let row0 = i32(workgroupId.y) * ${rows};
    let z = i32(workgroupId.z);
    let offsetX = z * uniforms.xPerProduct;
    let offsetW = z * uniforms.wPerProduct;
    let offsetOut = z * uniforms.M * uniforms.N;

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

/**
 * The shape of an implicit GEMM: M x N outputs summed over K = filterH x filterW x inC, the
 * input's geometry (batch folded into M), and `products` independent products along z, each
 * `xPerProduct` and `wPerProduct` elements further into x and W.
 */
export interface GemmGeometry {
  M: number;
  N: number;
  K: number;
  inH: number;
  inW: number;
  inC: number;
  outH: number;
  outW: number;
  filterW: number;
  strideH: number;
  strideW: number;
  padTop: number;
  padLeft: number;
  products: number;
  xPerProduct: number;
  wPerProduct: number;
}

/** The geometry of conv2d `info` as one implicit GEMM. */
export function convGeometry(info: tf.backend_util.Conv2DInfo): GemmGeometry {
  return {
    M: info.batchSize * info.outHeight * info.outWidth,
    N: info.outChannels,
    K: info.filterHeight * info.filterWidth * info.inChannels,
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
    products: 1,
    xPerProduct: 0,
    wPerProduct: 0,
  };
}

/** What runImplicitGemm computes: x and W (and bias, activation) in, an output of outputShape. */
export interface GemmCall {
  x: tf.TensorInfo;
  filter: tf.TensorInfo;
  bias?: tf.TensorInfo;
  activation: string;
  leakyreluAlpha?: number;
  outputShape: number[];
  geometry: GemmGeometry;
  tile?: ConvTile;
}

/**
 * Runs implicitGemmShader, or returns undefined where it does not apply: N not a multiple of 4,
 * an activation it does not fuse, a bias that is not one per column, an empty output, or more
 * row tiles than one dispatch holds.
 */
export function runImplicitGemm(backend: unknown, call: GemmCall): tf.TensorInfo | undefined {
  const { x, filter, bias, activation, geometry: g } = call;
  if (g.N % 4 !== 0 || !(activation in ACTIVATIONS) || g.M === 0) return undefined;
  if (bias && (bias.shape.length !== 1 || bias.shape[0] !== g.N)) return undefined;
  // In-channels and filter width are constants of the shader, not uniforms.
  const { products, inC, filterW, ...shape } = g;
  const tile = call.tile ?? pickConvTile(g.M * products, g.N);
  const workgroups: [number, number, number] = [
    Math.ceil(g.N / tile.columns),
    Math.ceil(g.M / tile.rows),
    products,
  ];
  if (workgroups[1] > MAX_WORKGROUPS_PER_DIMENSION) return undefined;
  const vectorX = g.inC % 4 === 0;
  const uniforms: Uniform[] = intUniforms({ ...shape, steps: Math.ceil(g.K / tile.depth) });
  if (activation === 'leakyrelu')
    uniforms.push({ name: 'alpha', type: 'f32', value: call.leakyreluAlpha ?? 0.2 });
  const { rows, columns, depth, rowsPerThread: rpt, columnsPerThread: cpt } = tile;
  return runWorkgroups(backend, {
    key: `implicit_gemm_${rows}_${columns}_${depth}_${rpt}_${cpt}_${vectorX}_${bias !== undefined}_${activation}_${g.inC}_${g.filterW}`,
    inputs: bias ? [x, filter, bias] : [x, filter],
    variableNames: bias ? ['X', 'W', 'bias'] : ['X', 'W'],
    variableComponents: bias ? [vectorX ? 4 : 1, 4, 4] : [vectorX ? 4 : 1, 4],
    components: 4,
    outputShape: call.outputShape,
    workgroups,
    workgroupSize: (rows / rpt) * (columns / cpt),
    uniforms,
    main: implicitGemmShader(tile, vectorX, bias !== undefined, activation, g),
  });
}
