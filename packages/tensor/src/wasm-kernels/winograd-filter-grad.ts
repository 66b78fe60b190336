import * as tf from '@tensorflow/tfjs-core';
import { simdKernels } from './simd-kernels';
import type { WasmOps } from './wasm-ops';
import { winogradGains } from './winograd-auto';
import { tileFor, winogradFits } from './winograd-conv2d';
import { tapOffsets } from './winograd-filter';
import { WinogradTiles } from './winograd-tiles';

/** The choices of ConvAlgorithms.filter that may run Winograd. */
type Choice = 'auto' | 'winograd' | 'winograd2x2' | 'winograd4x4';

/**
 * The gradient of a 3x3 stride-1 conv with respect to its filter, as Winograd F(m x m, 3x3):
 * with V = B^T x B over the forward conv's input patches and D = A dy A^T over dy's m x m tiles,
 * the sum over tiles of V^T D for each of the α² entries (XNNPACK matMuls whose reduction runs
 * over the tiles), then dW = G^T (that sum) G. Returns null where Winograd does not apply (or,
 * under 'auto', would not gain), for the caller's other algorithms.
 */
export function winogradFilterGradient(
  ops: WasmOps,
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  info: tf.backend_util.Conv2DInfo,
  choice: Choice,
): tf.TensorInfo | null {
  const simd = simdKernels(ops.memory());
  if (!simd || !winogradFits(info)) return null;
  if (choice === 'auto' && !winogradGains('filterGradient', info, false)) return null;
  const { inChannels: ci, outChannels: co } = info;
  const m = tileFor(choice, info);
  const { batchSize: n, outHeight: oh, outWidth: ow } = info;
  const [input, gradOutput, filterGrad] =
    m === 2
      ? [simd.winograd2x2Input, simd.winograd2x2GradOutput, simd.winograd2x2FilterGrad]
      : [simd.winograd4x4Input, simd.winograd4x4GradOutput, simd.winograd4x4FilterGrad];
  const tiles = new WinogradTiles(ops, m, { n, oh, ow }, Math.max(ci, co));
  const { top, left } = info.padInfo;
  let sums: tf.TensorInfo[] | undefined;
  for (const rows of tiles.chunks((m + 2) ** 2 * 4 * (ci + co))) {
    const v = tiles.transform(input, x, [top, left], rows);
    const d = tiles.transform(gradOutput, dy, [0, 0], rows);
    const products = v.map((vk, k) =>
      ops.run(tf.BatchMatMul, { a: vk, b: d[k] }, { transposeA: true, transposeB: false }),
    );
    ops.release([...v, ...d]);
    if (sums) {
      const previous: tf.TensorInfo[] = sums;
      sums = products.map((p, k) => ops.run(tf.Add, { a: previous[k], b: p }));
      ops.release([...previous, ...products]);
    } else {
      sums = products;
    }
  }
  const out = ops.output([3, 3, ci, co]);
  if (!sums) {
    ops.heapF32(out).fill(0); // an empty batch or output
    return out;
  }
  const from = ops.pointerTable(sums);
  const to = ops.offsetTable(tapOffsets(ops, out));
  filterGrad(ops.offset(from), ops.offset(to), ci * co);
  return out;
}
