/**
 * A minimal WebAssembly assembler: just enough to build convkit's small SIMD helper kernels
 * at run time (no toolchain, no binary files in the package). Functions are written as flat
 * lists of instructions; see max-pool-grad-simd.ts for the one module built with it.
 */

/** Value types. */
export const I32 = 0x7f;
export const F32 = 0x7d;
export const V128 = 0x7b;

/** Unsigned LEB128. */
export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

/** Signed LEB128 (32-bit). */
export function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

function name(s: string): number[] {
  const bytes = [...new TextEncoder().encode(s)];
  return [...uleb(bytes.length), ...bytes];
}

function vec(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

const simd = (op: number, ...rest: number[]) => [0xfd, ...uleb(op), ...rest];

/** Instructions (each returns its bytes; immediates included). */
export const op = {
  block: () => [0x02, 0x40],
  loop: () => [0x03, 0x40],
  if: () => [0x04, 0x40],
  else: () => [0x05],
  end: () => [0x0b],
  br: (depth: number) => [0x0c, ...uleb(depth)],
  brIf: (depth: number) => [0x0d, ...uleb(depth)],
  get: (local: number) => [0x20, ...uleb(local)],
  set: (local: number) => [0x21, ...uleb(local)],
  tee: (local: number) => [0x22, ...uleb(local)],
  i32: (value: number) => [0x41, ...sleb(value)],
  i32Add: () => [0x6a],
  i32Sub: () => [0x6b],
  i32Mul: () => [0x6c],
  i32DivU: () => [0x6e],
  i32Shl: () => [0x74],
  i32GeS: () => [0x4e],
  i32LtS: () => [0x48],
  i32GtS: () => [0x4a],
  i32And: () => [0x71],
  select: () => [0x1b],
  f32Load: () => [0x2a, 0x02, 0x00],
  f32Store: () => [0x38, 0x02, 0x00],
  f32Add: () => [0x92],
  f64Load: () => [0x2b, 0x03, 0x00],
  f64Store: () => [0x39, 0x03, 0x00],
  f64Add: () => [0xa0],
  f64PromoteF32: () => [0xbb],
  f32DemoteF64: () => [0xb6],
  v128Load: (offset = 0) => simd(0x00, 0x02, ...uleb(offset)),
  v128Store: (offset = 0) => simd(0x0b, 0x02, ...uleb(offset)),
  f32x4Mul: () => simd(0xe6),
  f32x4Add: () => simd(0xe4),
  f32x4Sub: () => simd(0xe5),
  f32x4Neg: () => simd(0xe1),
  f32x4Max: () => simd(0xe9),
  v128Const: (bytes: number[]) => simd(0x0c, ...bytes),
  i32x4Splat: () => simd(0x11),
  f32x4Splat: () => simd(0x13),
  i32x4ExtractLane: (lane: number) => simd(0x1b, lane),
  f32x4ExtractLane: (lane: number) => simd(0x1f, lane),
  f32x4Gt: () => simd(0x44),
  bitselect: () => simd(0x52),
  i32x4Add: () => simd(0xae),
  i32Load: (offset = 0) => [0x28, 0x02, ...uleb(offset)],
  i32Store: () => [0x36, 0x02, 0x00],
  /** memory.fill (bulk memory): [dest, value, length] on the stack. */
  memoryFill: () => [0xfc, ...uleb(0x0b), 0x00],
};

/** `while (a < b) { body }` over i32 locals, as block/loop. */
export function whileLess(a: number, b: number, body: number[][]): number[][] {
  const { get } = op;
  return [
    op.block(),
    op.loop(),
    get(a),
    get(b),
    op.i32GeS(),
    op.brIf(1),
    ...body,
    op.br(0),
    op.end(),
    op.end(),
  ];
}

/** `for (local = 0; local < count; local++) { body }` for an i32 local and a constant count. */
export function forCount(local: number, count: number, body: number[][]): number[][] {
  const { get, set, i32 } = op;
  return [
    i32(0),
    set(local),
    op.block(),
    op.loop(),
    get(local),
    i32(count),
    op.i32GeS(),
    op.brIf(1),
    ...body,
    inc(local),
    op.br(0),
    op.end(),
    op.end(),
  ];
}

/** `local += by` (default 1). */
export function inc(local: number, by: number[] = op.i32(1)): number[] {
  return [op.get(local), by, op.i32Add(), op.set(local)].flat();
}

/** max(expr, 0) for an i32 expression (evaluated twice: keep it side-effect free). */
export function max0(expr: number[]): number[] {
  return [expr, op.i32(0), expr, op.i32(0), op.i32GtS(), op.select()].flat();
}

/** min(expr, local) for an i32 expression and an i32 local. */
export function minOf(expr: number[], local: number): number[] {
  return [expr, op.get(local), expr, op.get(local), op.i32LtS(), op.select()].flat();
}

/** `0 <= expr < local` as an i32 condition. */
export function inRange(expr: number[], local: number): number[] {
  return [expr, op.i32(0), op.i32GeS(), expr, op.get(local), op.i32LtS(), op.i32And()].flat();
}

/** f32 constant bytes. */
export function f32Bytes(value: number): number[] {
  return [...new Uint8Array(new Float32Array([value]).buffer)];
}

/** i32x4 constant bytes. */
export function i32x4Bytes(values: [number, number, number, number]): number[] {
  return [...new Uint8Array(new Int32Array(values).buffer)];
}

/** One exported function: its i32 params, extra locals (by type), and body. */
export interface AsmFunction {
  name: string;
  params: number[];
  locals: number[];
  body: number[][];
}

/**
 * A module that imports its memory as env.memory (shared when the backend's memory is shared,
 * as in the threaded build) and exports the given functions (no results).
 */
export function assemble(functions: AsmFunction[], sharedMemory: boolean): Uint8Array {
  const types = functions.map((f) => [0x60, ...vec(f.params.map((t) => [t])), ...uleb(0)]);
  // Limits: shared memories must declare a maximum (4 GiB, the wasm32 ceiling).
  const limits = sharedMemory ? [0x03, ...uleb(1), ...uleb(65536)] : [0x00, ...uleb(1)];
  const imports = vec([[...name('env'), ...name('memory'), 0x02, ...limits]]);
  const funcs = vec(functions.map((_, i) => uleb(i)));
  const exports = vec(functions.map((f, i) => [...name(f.name), 0x00, ...uleb(i)]));
  const codes = functions.map((f) => {
    const groups: number[][] = [];
    for (const t of f.locals) {
      const last = groups[groups.length - 1];
      if (last && last[1] === t) last[0]++;
      else groups.push([1, t]);
    }
    const locals = vec(groups.map(([count, t]) => [...uleb(count), t]));
    const body = [...locals, ...f.body.flat(), 0x0b];
    return [...uleb(body.length), ...body];
  });
  return new Uint8Array([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, vec(types)),
    ...section(2, imports),
    ...section(3, funcs),
    ...section(7, exports),
    ...section(10, vec(codes)),
  ]);
}
