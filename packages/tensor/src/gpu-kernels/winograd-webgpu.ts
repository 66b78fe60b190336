import type * as tf from '@tensorflow/tfjs-core';
import { WINOGRAD, type WinogradTile } from '../winograd-matrices';
import { ACTIVATIONS, type ConvTile, runImplicitGemm } from './implicit-gemm-webgpu';
import { intUniforms, runThreads, type WebgpuBackendLike } from './webgpu-program';

/** A WGSL float literal for `c`. */
const literal = (c: number) => (Number.isInteger(c) ? `${c}.0` : `${c}`);

/** WGSL for the sum of `terms` weighted by `coefficients`, skipping zeros (and multiplying by ±1 not at all). */
function combination(coefficients: number[], terms: string[]): string {
  const parts = coefficients.flatMap((c, k) => {
    if (c === 0) return [];
    if (c === 1) return [`+ ${terms[k]}`];
    if (c === -1) return [`- ${terms[k]}`];
    return [`${c < 0 ? '-' : '+'} ${literal(Math.abs(c))} * ${terms[k]}`];
  });
  return parts.join(' ').replace(/^\+ /, '').replace(/^- /, '-') || 'vec4<f32>(0.0)';
}

/**
 * WGSL that declares `out_i_j` = (L X L^T)[i][j] for the p x q matrix L and the q x q values
 * `x_i_j` (vec4s), through `t_i_j` = (L X)[i][j]: the two-sided transforms of Winograd's algorithm.
 */
export function twoSidedTransform(L: number[][], x: string, out: string): string {
  const q = L[0].length;
  const lines: string[] = [];
  L.forEach((row, i) => {
    for (let j = 0; j < q; j++) {
      lines.push(
        `let t${out}_${i}_${j} = ${combination(
          row,
          row.map((_, k) => `${x}_${k}_${j}`),
        )};`,
      );
    }
  });
  L.forEach((_, i) => {
    L.forEach((row, j) => {
      lines.push(
        `let ${out}_${i}_${j} = ${combination(
          row,
          row.map((_, k) => `t${out}_${i}_${k}`),
        )};`,
      );
    });
  });
  return lines.join('\n    ');
}

/** `line(i, j, index)` for each cell of a size x size matrix, row by row, one WGSL line each. */
function cells(size: number, line: (i: number, j: number, index: number) => string): string {
  return Array.from({ length: size * size }, (_, e) => line(Math.floor(e / size), e % size, e)).join(
    '\n    ',
  );
}

/** U[ξ, ci, co] = (G g G^T)[ξ] for each in- and out-channel (4 out-channels a thread). */
function filterTransform(m: WinogradTile): string {
  const { G } = WINOGRAD[m];
  const alpha = m + 2;
  const reads = cells(
    3,
    (kh, kw, tap) => `let g_${kh}_${kw} = W[(${tap} * uniforms.inC + ci) * uniforms.outC4 + c4];`,
  );
  const writes = cells(
    alpha,
    (i, j, xi) => `result[(${xi} * uniforms.inC + ci) * uniforms.outC4 + c4] = u_${i}_${j};`,
  );
  return `
  fn main(index : i32) {
    if (index >= uniforms.threads) { return; }
    let c4 = index % uniforms.outC4;
    let ci = index / uniforms.outC4;
    ${reads}
    ${twoSidedTransform(G, 'g', 'u')}
    ${writes}
  }`;
}

/** V[ξ, tile, ci] = (B^T d B)[ξ] for each α x α input patch d of a tile (0 in the padding), 4 in-channels a thread. */
function inputTransform(m: WinogradTile): string {
  const { BT } = WINOGRAD[m];
  const alpha = m + 2;
  const reads = cells(
    alpha,
    (i, j) => `var d_${i}_${j} = vec4<f32>(0.0);
    if (ih + ${i} >= 0 && ih + ${i} < uniforms.inH && iw + ${j} >= 0 && iw + ${j} < uniforms.inW) {
      d_${i}_${j} = X[((image + ih + ${i}) * uniforms.inW + iw + ${j}) * uniforms.inC4 + c4];
    }`,
  );
  const writes = cells(
    alpha,
    (i, j, xi) => `result[(${xi} * uniforms.tiles + tile) * uniforms.inC4 + c4] = v_${i}_${j};`,
  );
  return `
  fn main(index : i32) {
    if (index >= uniforms.threads) { return; }
    let c4 = index % uniforms.inC4;
    let tile = index / uniforms.inC4;
    let tw = tile % uniforms.tilesW;
    let q = tile / uniforms.tilesW;
    let ih = (q % uniforms.tilesH) * ${m} - uniforms.padTop;
    let iw = tw * ${m} - uniforms.padLeft;
    let image = (q / uniforms.tilesH) * uniforms.inH;
    ${reads}
    ${twoSidedTransform(BT, 'd', 'v')}
    ${writes}
  }`;
}

/** y = activation((A^T M A) + bias) for each tile's m x m outputs inside the image, 4 out-channels a thread. */
function outputTransform(m: WinogradTile, hasBias: boolean, activation: string): string {
  const { AT } = WINOGRAD[m];
  const alpha = m + 2;
  const reads = cells(
    alpha,
    (i, j, xi) => `let p_${i}_${j} = P[(${xi} * uniforms.tiles + tile) * uniforms.outC4 + c4];`,
  );
  const writes = cells(
    m,
    (i, j) => `if (oh + ${i} < uniforms.outH && ow + ${j} < uniforms.outW) {
      let v = y_${i}_${j}${hasBias ? ' + b' : ''};
      result[((image + oh + ${i}) * uniforms.outW + ow + ${j}) * uniforms.outC4 + c4] = ${ACTIVATIONS[activation]};
    }`,
  );
  return `
  fn main(index : i32) {
    if (index >= uniforms.threads) { return; }
    let c4 = index % uniforms.outC4;
    let tile = index / uniforms.outC4;
    let tw = tile % uniforms.tilesW;
    let q = tile / uniforms.tilesW;
    let oh = (q % uniforms.tilesH) * ${m};
    let ow = tw * ${m};
    let image = (q / uniforms.tilesH) * uniforms.outH;
    ${hasBias ? 'let b = bias[c4];' : ''}
    ${reads}
    ${twoSidedTransform(AT, 'p', 'y')}
    ${writes}
  }`;
}

/** Whether Winograd's algorithm takes conv2d `info`: 3x3, stride 1, no dilation, channels multiples of 4. */
export function winogradApplies(info: tf.backend_util.Conv2DInfo): boolean {
  return (
    info.filterHeight === 3 &&
    info.filterWidth === 3 &&
    info.strideHeight === 1 &&
    info.strideWidth === 1 &&
    info.dilationHeight === 1 &&
    info.dilationWidth === 1 &&
    info.inChannels % 4 === 0 &&
    info.outChannels % 4 === 0
  );
}

/** The largest storage buffer one binding of the backend's device takes (WebGPU's default where it does not say). */
function maxBindingBytes(backend: unknown): number {
  const device = (backend as { device?: { limits?: { maxStorageBufferBindingSize?: number } } }).device;
  return device?.limits?.maxStorageBufferBindingSize ?? 134217728;
}

/**
 * conv2d (NHWC, where winogradApplies) as Winograd F(m x m, 3 x 3) on webgpu: the filter and the
 * input's overlapping (m + 2)² patches are transformed, (m + 2)² independent products of
 * convkit's implicit GEMM (tiles x in-channels by in-channels x out-channels) multiply them, and
 * the output transform adds the bias and applies the activation as it writes. Returns undefined
 * where the transformed input or output would not fit one storage binding, or the activation is
 * not one it fuses.
 */
export function runWinograd(
  backend: unknown,
  call: {
    x: tf.TensorInfo;
    filter: tf.TensorInfo;
    bias?: tf.TensorInfo;
    activation: string;
    leakyreluAlpha?: number;
    info: tf.backend_util.Conv2DInfo;
    m: WinogradTile;
    tile?: ConvTile;
  },
): tf.TensorInfo | undefined {
  const { x, filter, bias, activation, info, m } = call;
  if (!(activation in ACTIVATIONS) || !winogradApplies(info)) return undefined;
  const alpha2 = (m + 2) * (m + 2);
  const tilesH = Math.ceil(info.outHeight / m);
  const tilesW = Math.ceil(info.outWidth / m);
  const tiles = info.batchSize * tilesH * tilesW;
  const [inC, outC] = [info.inChannels, info.outChannels];
  if (alpha2 * tiles * Math.max(inC, outC) * 4 > maxBindingBytes(backend) || tiles === 0) return undefined;
  const gpu = backend as WebgpuBackendLike;
  const common = { tilesH, tilesW, tiles, padTop: info.padInfo.top, padLeft: info.padInfo.left };

  const transformedFilter = runThreads(backend, {
    key: `winograd${m}_filter`,
    inputs: [filter],
    variableNames: ['W'],
    outputShape: [alpha2, inC, outC],
    components: 4,
    threads: (inC * outC) / 4,
    uniforms: intUniforms({ threads: (inC * outC) / 4, inC, outC4: outC / 4 }),
    main: filterTransform(m),
  });
  const transformedInput = runThreads(backend, {
    key: `winograd${m}_input`,
    inputs: [x],
    variableNames: ['X'],
    outputShape: [alpha2, tiles, inC],
    components: 4,
    threads: (tiles * inC) / 4,
    uniforms: intUniforms({
      threads: (tiles * inC) / 4,
      inH: info.inHeight,
      inW: info.inWidth,
      inC4: inC / 4,
      ...common,
    }),
    main: inputTransform(m),
  });
  const products = runImplicitGemm(backend, {
    x: transformedInput,
    filter: transformedFilter,
    activation: 'linear',
    outputShape: [alpha2, tiles, outC],
    tile: call.tile,
    geometry: {
      M: tiles,
      N: outC,
      K: inC,
      inH: 1,
      inW: tiles,
      inC,
      outH: 1,
      outW: tiles,
      filterW: 1,
      strideH: 1,
      strideW: 1,
      padTop: 0,
      padLeft: 0,
      products: alpha2,
      xPerProduct: tiles * inC,
      wPerProduct: inC * outC,
    },
  });
  gpu.disposeData(transformedFilter.dataId);
  gpu.disposeData(transformedInput.dataId);
  if (!products) return undefined;
  const uniforms = intUniforms({
    threads: (tiles * outC) / 4,
    outH: info.outHeight,
    outW: info.outWidth,
    outC4: outC / 4,
    ...common,
  });
  if (activation === 'leakyrelu')
    uniforms.push({ name: 'alpha', type: 'f32', value: call.leakyreluAlpha ?? 0.2 });
  const y = runThreads(backend, {
    key: `winograd${m}_output_${bias !== undefined}_${activation}`,
    inputs: bias ? [products, bias] : [products],
    variableNames: bias ? ['P', 'bias'] : ['P'],
    outputShape: [info.batchSize, info.outHeight, info.outWidth, outC],
    components: 4,
    threads: (tiles * outC) / 4,
    uniforms,
    main: outputTransform(m, bias !== undefined, activation),
  });
  gpu.disposeData(products.dataId);
  return y;
}
