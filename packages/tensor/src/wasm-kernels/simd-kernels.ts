import { type Col2imSimd, col2imAsm } from './simd-col2im';
import { type ColumnSum, columnSumAsm } from './simd-column-sum';
import { type Im2colTap, im2colTapAsm } from './simd-im2col';
import { type MaxPoolGradSimd, maxPoolGradAsm } from './simd-max-pool-grad';
import { type ThinFilterGrad, thinFilterGradAsm } from './simd-thin-filter-grad';
import {
  type WinogradInput,
  type WinogradOutput,
  type WinogradPointwise,
  winogradFilterAsm,
  winogradFilterGradAsm,
  winogradGradOutputAsm,
  winogradInputAsm,
  winogradOutputAsm,
} from './simd-winograd';
import { assemble } from './wasm-asm';

/** convkit's SIMD helper kernels, bound to one wasm backend's heap. */
export interface SimdKernels {
  maxPoolGrad: MaxPoolGradSimd;
  col2im: Col2imSimd;
  im2colTap: Im2colTap;
  columnSum: ColumnSum;
  thinFilterGrad: ThinFilterGrad;
  winograd2x2Input: WinogradInput;
  winograd2x2Output: WinogradOutput;
  winograd4x4Input: WinogradInput;
  winograd4x4Output: WinogradOutput;
  winograd2x2Filter: WinogradPointwise;
  winograd4x4Filter: WinogradPointwise;
  winograd2x2GradOutput: WinogradInput;
  winograd4x4GradOutput: WinogradInput;
  winograd2x2FilterGrad: WinogradPointwise;
  winograd4x4FilterGrad: WinogradPointwise;
}

/**
 * Every helper, exported under its name (the keys of SimdKernels), in modules compiled
 * synchronously, which browsers allow on the main thread only below 4 KB: a test keeps each
 * module there.
 */
export const MODULES = [
  [maxPoolGradAsm, col2imAsm, im2colTapAsm, columnSumAsm, thinFilterGradAsm],
  [winogradInputAsm(2), winogradOutputAsm(2), winogradFilterAsm(2)],
  [winogradGradOutputAsm(2), winogradFilterGradAsm(2)],
  [winogradInputAsm(4)],
  [winogradOutputAsm(4)],
  [winogradFilterAsm(4)],
  [winogradGradOutputAsm(4)],
  [winogradFilterGradAsm(4)],
];

const instances = new WeakMap<WebAssembly.Memory, SimdKernels | null>();
let disabled = false;

/**
 * The SIMD helpers bound to a wasm backend's memory (built once per memory), or null where this
 * runtime has no wasm SIMD or they are disabled (then the JS loops run).
 */
export function simdKernels(memory: WebAssembly.Memory | undefined): SimdKernels | null {
  if (!memory || disabled) return null;
  if (instances.has(memory)) return instances.get(memory) ?? null;
  let kernels: SimdKernels | null = null;
  try {
    const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
    const exports = MODULES.map((functions) => {
      const bytes = assemble(functions, shared) as Uint8Array<ArrayBuffer>;
      return new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } }).exports;
    });
    kernels = Object.assign({}, ...exports) as unknown as SimdKernels;
  } catch {
    kernels = null;
  }
  instances.set(memory, kernels);
  return kernels;
}

/** Turns the SIMD helpers off (true) or back on, so tests can check the JS loops too; returns the previous state. */
export function setSimdKernelsDisabled(off: boolean): boolean {
  const previous = disabled;
  disabled = off;
  return previous;
}
