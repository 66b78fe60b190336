import * as tf from '@tensorflow/tfjs-core';
import { convAlgorithms } from '../wasm-kernels/algorithms';
import {
  intUniforms,
  MAX_WORKGROUPS_PER_DIMENSION,
  runThreads,
  runWorkgroups,
  type WebgpuBackendLike,
} from './webgpu-program';

/** Rows and columns of dW (taps x in-channels, out-channels) one workgroup computes: 32 x 32. */
const TILE = 32;
/** Threads per workgroup: 16 x 16, each computing 2 x 2 of the tile. */
const THREADS = 256;
/** Workgroups to aim for: enough to fill a large GPU (an H200 has 132 multiprocessors). */
const TARGET_WORKGROUPS = 1024;

/**
 * How the sum over samples and output positions (the reduction of length R = batch x outHeight
 * x outWidth) is cut into chunks: `chunks` workgroups along it per tile of dW, each summing
 * `chunkLength` terms (a multiple of TILE), so that small filters still fill the GPU.
 */
export function splitReduction(reduction: number, tiles: number): { chunks: number; chunkLength: number } {
  const steps = Math.ceil(reduction / TILE);
  const wanted = Math.min(steps, Math.max(1, Math.ceil(TARGET_WORKGROUPS / tiles)));
  const fewest = Math.ceil(reduction / (MAX_WORKGROUPS_PER_DIMENSION * TILE));
  const chunkLength = Math.max(fewest, Math.ceil(steps / wanted)) * TILE;
  return { chunks: Math.ceil(reduction / chunkLength), chunkLength };
}

/**
 * Partial sums of dW: workgroup (tile, chunk) multiplies the im2col'd input (taps x in-channels
 * rows) by dy (out-channel columns) over its chunk of the reduction, through 32 x 32 tiles in
 * workgroup memory; `result[chunk][row][column]`. The loop's trip count is a uniform, so every
 * barrier is in uniform control flow; rows, columns and reduction indices past the end read 0.
 */
const PARTIAL_SUMS = `
  var<workgroup> tileA : array<f32, ${TILE * TILE}>;
  var<workgroup> tileB : array<f32, ${TILE * TILE}>;

  fn main(index : i32) {
    let t = i32(localIndex);
    let tile = i32(workgroupId.x);
    let chunk = i32(workgroupId.y);
    let row0 = (tile / uniforms.columnTiles) * ${TILE};
    let column0 = (tile % uniforms.columnTiles) * ${TILE};
    let chunkStart = chunk * uniforms.chunkSteps * ${TILE};
    let chunkEnd = min(chunkStart + uniforms.chunkSteps * ${TILE}, uniforms.reduction);

    // Each thread loads the same row (and column) of the tiles at every step: decode it once.
    let lane = t % ${TILE};
    let row = row0 + lane;
    let ci = row % uniforms.inC;
    let tap = row / uniforms.inC;
    let kh = tap / uniforms.filterW;
    let kw = tap % uniforms.filterW;
    let column = column0 + lane;

    var acc00 = 0.0; var acc01 = 0.0; var acc10 = 0.0; var acc11 = 0.0;
    let tm = t % 16;
    let tn = t / 16;
    for (var step = 0; step < uniforms.chunkSteps; step++) {
      for (var i = 0; i < ${(TILE * TILE) / THREADS}; i++) {
        let k = t / ${TILE} + i * ${THREADS / TILE};
        let r = chunkStart + step * ${TILE} + k;
        var a = 0.0;
        var b = 0.0;
        if (r < chunkEnd) {
          let ow = r % uniforms.outW;
          let q = r / uniforms.outW;
          let oh = q % uniforms.outH;
          let n = q / uniforms.outH;
          let xr = oh * uniforms.strideH + kh - uniforms.padTop;
          let xc = ow * uniforms.strideW + kw - uniforms.padLeft;
          if (row < uniforms.rows && xr >= 0 && xr < uniforms.inH && xc >= 0 && xc < uniforms.inW) {
            a = X[((n * uniforms.inH + xr) * uniforms.inW + xc) * uniforms.inC + ci];
          }
          if (column < uniforms.outC) { b = DY[r * uniforms.outC + column]; }
        }
        tileA[k * ${TILE} + lane] = a;
        tileB[k * ${TILE} + lane] = b;
      }
      workgroupBarrier();
      for (var k = 0; k < ${TILE}; k++) {
        let a0 = tileA[k * ${TILE} + tm];
        let a1 = tileA[k * ${TILE} + tm + 16];
        let b0 = tileB[k * ${TILE} + tn];
        let b1 = tileB[k * ${TILE} + tn + 16];
        acc00 += a0 * b0; acc01 += a0 * b1; acc10 += a1 * b0; acc11 += a1 * b1;
      }
      workgroupBarrier();
    }

    let base = chunk * uniforms.rows;
    let r0 = row0 + tm;
    let r1 = r0 + 16;
    let c0 = column0 + tn;
    let c1 = c0 + 16;
    if (r0 < uniforms.rows && c0 < uniforms.outC) { result[(base + r0) * uniforms.outC + c0] = acc00; }
    if (r0 < uniforms.rows && c1 < uniforms.outC) { result[(base + r0) * uniforms.outC + c1] = acc01; }
    if (r1 < uniforms.rows && c0 < uniforms.outC) { result[(base + r1) * uniforms.outC + c0] = acc10; }
    if (r1 < uniforms.rows && c1 < uniforms.outC) { result[(base + r1) * uniforms.outC + c1] = acc11; }
  }`;

/** Sums the chunks' partial dW: one thread per element of dW. */
const SUM_CHUNKS = `
  fn main(i : i32) {
    if (i >= uniforms.count) { return; }
    var total = 0.0;
    for (var c = 0; c < uniforms.chunks; c++) { total += P[c * uniforms.count + i]; }
    result[i] = total;
  }`;

/**
 * Conv2DBackpropFilter on webgpu, for NHWC:
 * dW[kh, kw, ci, co] = sum over n, oh, ow of x[n, oh*sh + kh - top, ow*sw + kw - left, ci] * dy[n, oh, ow, co],
 * as a tiled matrix product whose long reduction is split across workgroups, then one pass that
 * adds the chunks. tfjs-backend-webgpu 4.22 gives each element of dW one thread that loops over
 * the whole batch: 288 threads for the chapter's first conv, so its time grows with the batch
 * while the GPU idles. NCHW, filters of over 67 million elements, and
 * `setConvAlgorithms({ webgpu: 'tfjs' })` run `original`.
 */
export function conv2dBackpropFilterWebgpu(original: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
    const attrs = args.attrs as unknown as tf.Conv2DBackpropFilterAttrs;
    if (attrs.dataFormat === 'NCHW' || convAlgorithms().webgpu === 'tfjs') return original(args);
    const info = tf.backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number],
      attrs.filterShape,
      attrs.strides,
      1,
      attrs.pad,
      attrs.dimRoundingMode,
    );
    const rows = info.filterHeight * info.filterWidth * info.inChannels;
    const columnTiles = Math.ceil(info.outChannels / TILE);
    const tiles = Math.ceil(rows / TILE) * columnTiles;
    const reduction = info.batchSize * info.outHeight * info.outWidth;
    // One workgroup per tile along x: a filter of over 67 million elements goes to tfjs.
    if (tiles > MAX_WORKGROUPS_PER_DIMENSION) return original(args);
    const { chunks, chunkLength } = splitReduction(reduction, tiles);
    const backend = args.backend as WebgpuBackendLike;
    const partial = runWorkgroups(backend, {
      key: 'conv2d_filter_grad_partial',
      inputs: [x, dy],
      variableNames: ['X', 'DY'],
      outputShape: chunks === 1 ? attrs.filterShape : [chunks, ...attrs.filterShape],
      workgroups: [tiles, chunks, 1],
      workgroupSize: THREADS,
      uniforms: intUniforms({
        inH: info.inHeight,
        inW: info.inWidth,
        inC: info.inChannels,
        outH: info.outHeight,
        outW: info.outWidth,
        outC: info.outChannels,
        filterW: info.filterWidth,
        strideH: info.strideHeight,
        strideW: info.strideWidth,
        padTop: info.padInfo.top,
        padLeft: info.padInfo.left,
        rows,
        columnTiles,
        reduction,
        chunkSteps: chunkLength / TILE,
      }),
      main: PARTIAL_SUMS,
    });
    if (chunks === 1) return partial;
    const size = rows * info.outChannels;
    const total = runThreads(backend, {
      key: 'conv2d_filter_grad_sum',
      inputs: [partial],
      variableNames: ['P'],
      outputShape: attrs.filterShape,
      threads: size,
      uniforms: intUniforms({ count: size, chunks }),
      main: SUM_CHUNKS,
    });
    backend.disposeData(partial.dataId);
    return total;
  };
}
