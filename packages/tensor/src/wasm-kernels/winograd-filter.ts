import type * as tf from '@tensorflow/tfjs-core';
import type { WasmBackendLike, WasmOps } from './wasm-ops';

/** A 3x3 filter in the Winograd F(2x2, 3x3) domain: 16 matrices [1, ci, co], one per tile entry. */
export type WinogradFilter = tf.TensorInfo[];

/**
 * Which conv a transformed filter serves: the forward conv (g as it is), or the input
 * gradient (g rotated by 180 degrees with in- and out-channels swapped, [3, 3, co, ci]).
 */
export type FilterUse = 'forward' | 'inputGradient';

/** Transformed filters per backend and use, by the filter's dataId (a new dataId for every new weight value). */
const caches = new WeakMap<object, Record<FilterUse, Map<object, WinogradFilter>>>();

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
 * G g G^T of a [3, 3, ci, co] filter g (for the input gradient, of g rotated and swapped), kept
 * until the filter is disposed, so that inference transforms each weight once (training makes
 * new weights every step, and transforms those).
 */
export function winogradFilter(ops: WasmOps, filter: tf.TensorInfo, use: FilterUse): WinogradFilter {
  const backend = ops.backend;
  let perUse = caches.get(backend);
  if (!perUse) {
    perUse = { forward: new Map(), inputGradient: new Map() };
    caches.set(backend, perUse);
  }
  const cache = perUse[use];
  const hit = cache.get(filter.dataId);
  if (hit) return hit;
  dropDisposedFilters(backend, cache);
  let transformed: WinogradFilter;
  if (use === 'forward') {
    transformed = transformFilter(ops, filter);
  } else {
    const reversed = ops.reverse(filter, [0, 1]);
    const rotated = ops.transpose(reversed, [0, 1, 3, 2]);
    transformed = transformFilter(ops, rotated);
    ops.release([reversed, rotated]);
  }
  cache.set(filter.dataId, transformed);
  return transformed;
}

/** Frees the transforms of filters the engine has disposed since. */
function dropDisposedFilters(backend: WasmBackendLike, cache: Map<object, WinogradFilter>): void {
  for (const [dataId, transformed] of cache) {
    if (backend.dataIdMap.has(dataId)) continue;
    for (const t of transformed) backend.disposeData(t.dataId);
    cache.delete(dataId);
  }
}

function transformFilter(ops: WasmOps, filter: tf.TensorInfo): WinogradFilter {
  const [, , ci, co] = filter.shape;
  const n = ci * co;
  const transformed = Array.from({ length: 16 }, () => ops.backend.makeOutput([1, ci, co], 'float32'));
  // Views after the last allocation: allocating may grow (and detach) the heap.
  const g = ops.heapF32(filter);
  const u = transformed.map((t) => ops.heapF32(t));
  // Taps (a, b) of g are [ci, co] blocks at (3a + b) * n; G = [[1, 0, 0], [.5, .5, .5], [.5, -.5, .5], [0, 0, 1]].
  const rows = new Float64Array(12); // G g: 4 rows x 3 taps
  for (let p = 0; p < n; p++) {
    for (let b = 0; b < 3; b++) {
      const g0 = g[b * n + p];
      const g1 = g[(3 + b) * n + p];
      const g2 = g[(6 + b) * n + p];
      rows[b] = g0;
      rows[3 + b] = (g0 + g1 + g2) / 2;
      rows[6 + b] = (g0 - g1 + g2) / 2;
      rows[9 + b] = g2;
    }
    for (let a = 0; a < 4; a++) {
      const r0 = rows[3 * a];
      const r1 = rows[3 * a + 1];
      const r2 = rows[3 * a + 2];
      u[4 * a][p] = r0;
      u[4 * a + 1][p] = (r0 + r1 + r2) / 2;
      u[4 * a + 2][p] = (r0 - r1 + r2) / 2;
      u[4 * a + 3][p] = r2;
    }
  }
  return transformed;
}
