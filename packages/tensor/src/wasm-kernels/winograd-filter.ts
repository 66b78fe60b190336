import type * as tf from '@tensorflow/tfjs-core';
import type { WinogradTile } from '../winograd-matrices';
import type { SimdKernels } from './simd-kernels';
import type { WasmBackendLike, WasmOps } from './wasm-ops';

/** A 3x3 filter in the Winograd F(m x m, 3x3) domain: α² = (m + 2)² matrices [1, ci, co], one per tile entry. */
export type WinogradFilter = tf.TensorInfo[];

/**
 * Which conv a transformed filter serves: the forward conv (g as it is), or the input
 * gradient (g rotated by 180 degrees with in- and out-channels swapped, [3, 3, co, ci]).
 */
export type FilterUse = 'forward' | 'inputGradient';

/** Transformed filters per backend, use and tile size, by the filter's dataId (a new dataId for every new weight value). */
const caches = new WeakMap<object, Map<string, Map<object, WinogradFilter>>>();

/** Filters (dataIds) that have been through a conv, per use, transformed or not. */
const seen: Record<FilterUse, WeakSet<object>> = { forward: new WeakSet(), inputGradient: new WeakSet() };

/**
 * Whether this filter's weights are in use again for the same conv: an earlier call used them
 * (inference and evaluation reuse weights; training makes new ones every step). Records this use.
 */
export function filterReused(filter: tf.TensorInfo, use: FilterUse): boolean {
  const reused = seen[use].has(filter.dataId);
  seen[use].add(filter.dataId);
  return reused;
}

/**
 * G g G^T for F(m x m, 3x3) of a [3, 3, ci, co] filter g (for the input gradient, of g rotated
 * and swapped), kept until the filter is disposed, so that inference transforms each weight
 * once (training makes new weights every step, and transforms those).
 */
export function winogradFilter(
  ops: WasmOps,
  simd: SimdKernels,
  filter: tf.TensorInfo,
  use: FilterUse,
  m: WinogradTile,
): WinogradFilter {
  const backend = ops.backend;
  let perKind = caches.get(backend);
  if (!perKind) {
    perKind = new Map();
    caches.set(backend, perKind);
  }
  const kind = `${use} ${m}`;
  let cache = perKind.get(kind);
  if (!cache) {
    cache = new Map();
    perKind.set(kind, cache);
  }
  const hit = cache.get(filter.dataId);
  if (hit) return hit;
  dropDisposedFilters(backend, perKind);
  let transformed: WinogradFilter;
  if (use === 'forward') {
    transformed = transformFilter(ops, simd, filter, m);
  } else {
    const reversed = ops.reverse(filter, [0, 1]);
    const rotated = ops.transpose(reversed, [0, 1, 3, 2]);
    transformed = transformFilter(ops, simd, rotated, m);
    ops.release([reversed, rotated]);
  }
  cache.set(filter.dataId, transformed);
  return transformed;
}

/** Frees the transforms (of every use and tile size) of filters the engine has disposed since. */
function dropDisposedFilters(
  backend: WasmBackendLike,
  perKind: Map<string, Map<object, WinogradFilter>>,
): void {
  for (const cache of perKind.values()) {
    for (const [dataId, transformed] of cache) {
      if (backend.dataIdMap.has(dataId)) continue;
      for (const t of transformed) backend.disposeData(t.dataId);
      cache.delete(dataId);
    }
  }
}

/** U = G g G^T for every (ci, co) pair of a [3, 3, ci, co] filter g, to α² matrices [1, ci, co]. */
function transformFilter(
  ops: WasmOps,
  simd: SimdKernels,
  filter: tf.TensorInfo,
  m: WinogradTile,
): WinogradFilter {
  const [, , ci, co] = filter.shape;
  // Kept beyond this kernel (in the cache), so not the kernel's intermediates.
  const transformed = Array.from({ length: (m + 2) ** 2 }, () =>
    ops.backend.makeOutput([1, ci, co], 'float32'),
  );
  const taps = ops.offsetTable(tapOffsets(ops, filter));
  const table = ops.pointerTable(transformed);
  const transform = m === 2 ? simd.winograd2x2Filter : simd.winograd4x4Filter;
  transform(ops.offset(taps), ops.offset(table), ci * co);
  ops.release([taps, table]);
  return transformed;
}

/** The byte offsets of the 9 taps ([ci, co] blocks, row by row) of a [3, 3, ci, co] filter. */
export function tapOffsets(ops: WasmOps, filter: tf.TensorInfo): number[] {
  const [, , ci, co] = filter.shape;
  return Array.from({ length: 9 }, (_, tap) => ops.offset(filter) + tap * ci * co * 4);
}
