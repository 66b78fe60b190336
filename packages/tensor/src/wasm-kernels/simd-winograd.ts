import { WINOGRAD, type WinogradTile } from '../winograd-matrices';
import {
  type AsmFunction,
  F32,
  f32Bytes,
  forCount,
  I32,
  inc,
  inRange,
  op,
  V128,
  whileLess,
} from './wasm-asm';

/**
 * Winograd F(m x m, 3x3) input transform over whole rows of tiles, α = m + 2: for tile rows
 * [row0, row1) (row = image * tilesH + tile row) of NHWC x, each α x α patch d at
 * (m*ty - top, m*tx - left) becomes B^T d B, whose α² entries go to the α² matrices whose byte
 * offsets the int32 table holds ([tiles, c] each, tiles in row order). Pixels outside the image
 * read `zeros` (c floats). `pixels` is scratch for α² int32.
 */
export type WinogradInput = (
  x: number,
  table: number,
  zeros: number,
  pixels: number,
  h: number,
  w: number,
  c: number,
  tilesH: number,
  tilesW: number,
  top: number,
  left: number,
  row0: number,
  row1: number,
) => void;

/**
 * Winograd F(m x m, 3x3) output transform: each tile's α² products M (read from the matrices
 * the table points at, [tiles, c] each) become the m x m outputs A^T M A, plus bias (c floats),
 * floored at `floor` (0 for relu, -Infinity for none), written to NHWC out at (m*ty, m*tx).
 * Outputs past oh or ow go to `trash` (c floats). `pixels` is scratch for m² int32.
 */
export type WinogradOutput = (
  table: number,
  out: number,
  bias: number,
  trash: number,
  pixels: number,
  oh: number,
  ow: number,
  c: number,
  tilesH: number,
  tilesW: number,
  row0: number,
  row1: number,
  floor: number,
) => void;

const { get, set, i32 } = op;

/** Hands out local indices in declaration order: params first, then i32 locals, then v128 locals. */
class Locals {
  readonly types: number[] = [];
  constructor(private next: number) {}
  take(type: number, count = 1): number[] {
    const first = this.next;
    this.next += count;
    this.types.push(...new Array(count).fill(type));
    return Array.from({ length: count }, (_, i) => first + i);
  }
}

/**
 * Code that leaves Σ_k coefficients[k] * terms[k] (v128 locals) on the stack, adding or
 * subtracting for ±1 and multiplying by the splat constant local `constant(|c|)` otherwise.
 * It starts from a positive term where there is one, else negates the first.
 */
function combination(coefficients: number[], terms: number[], constant: (c: number) => number): number[][] {
  const positive = coefficients.findIndex((c) => c > 0);
  const first = positive >= 0 ? positive : coefficients.findIndex((c) => c !== 0);
  const scaled = (k: number) => {
    const c = Math.abs(coefficients[k]);
    return c === 1 ? [get(terms[k])] : [get(terms[k]), get(constant(c)), op.f32x4Mul()];
  };
  const code = positive >= 0 ? scaled(first) : [...scaled(first), op.f32x4Neg()];
  coefficients.forEach((c, k) => {
    if (c === 0 || k === first) return;
    code.push(...scaled(k), c > 0 ? op.f32x4Add() : op.f32x4Sub());
  });
  return code;
}

/** Splat constants for every |coefficient| other than 0 and 1 of the matrices, in fresh v128 locals. */
function constants(locals: Locals, matrices: number[][][]) {
  const values = [...new Set(matrices.flat(2).map(Math.abs))].filter((c) => c !== 0 && c !== 1);
  const slots = new Map(values.map((c) => [c, locals.take(V128)[0]]));
  const init = values.map((c) => [
    op.v128Const([0, 1, 2, 3].flatMap(() => f32Bytes(c))),
    set(slots.get(c) as number),
  ]);
  return { init: init.flat(), local: (c: number) => slots.get(c) as number };
}

/** The address table[entry] + offset (int32 pointer table and byte offset in locals), on the stack. */
const entryAt = (table: number, entry: number, offset: number) => [
  get(table),
  op.i32Load(4 * entry),
  get(offset),
  op.i32Add(),
];

/** Loads v128 locals[e] from table[e] + offset for each e. */
const loadEntries = (table: number, offset: number, locals: number[]) =>
  locals.map((local, e) => [...entryAt(table, e, offset), op.v128Load(), set(local)].flat());

/** Sets b = row / tilesH and ty = row - b * tilesH. */
const splitRow = (row: number, tilesH: number, b: number, ty: number) => [
  get(row),
  get(tilesH),
  op.i32DivU(),
  set(b),
  get(row),
  get(b),
  get(tilesH),
  op.i32Mul(),
  op.i32Sub(),
  set(ty),
];

/** `local = base + b * h * w * cb`: the first pixel of image b. */
const imageBase = (local: number, base: number, b: number, h: number, w: number, cb: number) => [
  get(base),
  get(b),
  get(h),
  op.i32Mul(),
  get(w),
  op.i32Mul(),
  get(cb),
  op.i32Mul(),
  op.i32Add(),
  set(local),
];

/** Locals of the pixel table's loop. */
interface TableLocals {
  pixels: number;
  base: number;
  width: number;
  cb: number;
  y0: number;
  x0: number;
  outside: number;
  i: number;
  j: number;
  y: number;
  x: number;
  at: number;
}

/**
 * Fills the int32 table at `pixels` with the addresses of the size x size pixels from (y0, x0)
 * of the image at `base` (`width` pixels a row, cb bytes each), row by row, or `outside` where
 * the i32 condition `inside` (of locals y and x) is 0.
 */
function pixelTable(l: TableLocals, size: number, inside: number[]): number[][] {
  return [
    get(l.pixels),
    set(l.at),
    ...forCount(l.i, size, [
      [get(l.y0), get(l.i), op.i32Add(), set(l.y)].flat(),
      ...forCount(l.j, size, [
        [get(l.x0), get(l.j), op.i32Add(), set(l.x)].flat(),
        get(l.at),
        // base + (y * width + x) * cb, or outside
        [get(l.base), get(l.y), get(l.width), op.i32Mul(), get(l.x), op.i32Add()].flat(),
        [get(l.cb), op.i32Mul(), op.i32Add(), get(l.outside), inside, op.select(), op.i32Store()].flat(),
        inc(l.at, i32(4)),
      ]),
    ]),
  ];
}

/**
 * L X R^T for the p x q matrix L, q x q values X (v128 locals, row-major) and the r x q matrix R,
 * through T = L X in `t` (p x q locals); `emit(i, j, code)` receives the code that leaves
 * entry (i, j) of the result on the stack.
 */
function twoSided(
  L: number[][],
  R: number[][],
  x: number[],
  t: number[],
  constant: (c: number) => number,
  emit: (i: number, j: number, value: number[][]) => number[][],
): number[][] {
  const q = L[0].length;
  const code: number[][] = [];
  L.forEach((row, i) => {
    for (let j = 0; j < q; j++) {
      const column = row.map((_, k) => x[k * q + j]);
      code.push(...combination(row, column, constant), set(t[i * q + j]));
    }
  });
  L.forEach((_, i) => {
    R.forEach((row, j) => {
      code.push(...emit(i, j, combination(row, t.slice(i * q, (i + 1) * q), constant)));
    });
  });
  return code;
}

/** The input transform for F(m x m, 3x3): B^T d B over α x α patches (see WinogradInput). */
export function winogradInputAsm(m: WinogradTile): AsmFunction {
  return tileTransformAsm(`winograd${m}x${m}Input`, WINOGRAD[m].BT, m);
}

/**
 * For the filter gradient, dy's transform for F(m x m, 3x3): A dy A^T over m x m tiles of dy
 * (top and left 0: its tiles start inside it), with WinogradInput's signature.
 */
export function winogradGradOutputAsm(m: WinogradTile): AsmFunction {
  const { AT } = WINOGRAD[m];
  const A = AT[0].map((_, i) => AT.map((row) => row[i]));
  return tileTransformAsm(`winograd${m}x${m}GradOutput`, A, m);
}

/**
 * L P L^T over the patches P (L[0].length pixels a side) of tiles m apart, each of L's
 * (rows x rows) entries to its matrix (see WinogradInput).
 */
function tileTransformAsm(name: string, L: number[][], m: number): AsmFunction {
  const a = L.length;
  const size = L[0].length;
  const locals = new Locals(13);
  const [X, TABLE, ZEROS, PIXELS, H, W, C, TILES_H, TILES_W, TOP, LEFT, ROW0, ROW1] = Array.from(
    { length: 13 },
    (_, i) => i,
  );
  const [ROW, B, TY, TX, CH, DST, Y0, X0, BASE, CB, OFF, I, J, Y, XX, AT] = locals.take(I32, 16);
  const d = locals.take(V128, size * size);
  const t = locals.take(V128, a * size);
  const k = constants(locals, [L]);
  const table = { pixels: PIXELS, base: BASE, width: W, cb: CB, y0: Y0, x0: X0, outside: ZEROS };
  const inside = [inRange(get(Y), H), inRange(get(XX), W), op.i32And()].flat();
  const step: number[][] = [
    ...loadEntries(PIXELS, CH, d),
    get(DST),
    get(CH),
    op.i32Add(),
    set(OFF),
    // L d L^T, each entry straight to its matrix.
    ...twoSided(L, L, d, t, k.local, (i, j, value) => [
      ...entryAt(TABLE, i * a + j, OFF),
      ...value,
      op.v128Store(),
    ]),
    inc(CH, i32(16)),
  ];
  return {
    name,
    params: new Array(13).fill(I32),
    locals: locals.types,
    body: [
      ...k.init,
      [get(C), i32(2), op.i32Shl(), set(CB)].flat(),
      i32(0),
      set(DST),
      get(ROW0),
      set(ROW),
      ...whileLess(ROW, ROW1, [
        ...splitRow(ROW, TILES_H, B, TY),
        [get(TY), i32(m), op.i32Mul(), get(TOP), op.i32Sub(), set(Y0)].flat(),
        ...imageBase(BASE, X, B, H, W, CB),
        i32(0),
        set(TX),
        ...whileLess(TX, TILES_W, [
          [get(TX), i32(m), op.i32Mul(), get(LEFT), op.i32Sub(), set(X0)].flat(),
          ...pixelTable({ ...table, i: I, j: J, y: Y, x: XX, at: AT }, size, inside),
          i32(0),
          set(CH),
          ...whileLess(CH, CB, step),
          inc(DST, get(CB)),
          inc(TX),
        ]),
        inc(ROW),
      ]),
    ],
  };
}

/** The output transform for F(m x m, 3x3) (see WinogradOutput). */
export function winogradOutputAsm(m: WinogradTile): AsmFunction {
  const { AT: A } = WINOGRAD[m];
  const a = m + 2;
  const locals = new Locals(13);
  const [TABLE, OUT, BIAS, TRASH, PIXELS, OH, OW, C, TILES_H, TILES_W, ROW0, ROW1, FLOOR] = Array.from(
    { length: 13 },
    (_, i) => i,
  );
  const [ROW, B, TY, TX, CH, SRC, Y0, X0, BASE, CB, OFF, I, J, Y, XX, AT] = locals.take(I32, 16);
  const products = locals.take(V128, a * a);
  const s = locals.take(V128, m * a);
  const [biasV, floorV] = locals.take(V128, 2);
  const k = constants(locals, [A]);
  const table = { pixels: PIXELS, base: BASE, width: OW, cb: CB, y0: Y0, x0: X0, outside: TRASH };
  // Tiles start inside the output; their far rows and columns may pass its edge.
  const inside = [get(Y), get(OH), op.i32LtS(), get(XX), get(OW), op.i32LtS(), op.i32And()].flat();
  const step: number[][] = [
    [get(SRC), get(CH), op.i32Add(), set(OFF)].flat(),
    ...loadEntries(TABLE, OFF, products),
    [get(BIAS), get(CH), op.i32Add(), op.v128Load(), set(biasV)].flat(),
    // Y = A^T M A + bias, floored.
    ...twoSided(A, A, products, s, k.local, (i, j, value) => [
      ...entryAt(PIXELS, i * m + j, CH),
      ...value,
      [get(biasV), op.f32x4Add(), get(floorV), op.f32x4Max(), op.v128Store()].flat(),
    ]),
    inc(CH, i32(16)),
  ];
  return {
    name: `winograd${m}x${m}Output`,
    params: [...new Array(12).fill(I32), F32],
    locals: locals.types,
    body: [
      ...k.init,
      [get(C), i32(2), op.i32Shl(), set(CB)].flat(),
      [get(FLOOR), op.f32x4Splat(), set(floorV)].flat(),
      i32(0),
      set(SRC),
      get(ROW0),
      set(ROW),
      ...whileLess(ROW, ROW1, [
        ...splitRow(ROW, TILES_H, B, TY),
        [get(TY), i32(m), op.i32Mul(), set(Y0)].flat(),
        ...imageBase(BASE, OUT, B, OH, OW, CB),
        i32(0),
        set(TX),
        ...whileLess(TX, TILES_W, [
          [get(TX), i32(m), op.i32Mul(), set(X0)].flat(),
          ...pixelTable({ ...table, i: I, j: J, y: Y, x: XX, at: AT }, m, inside),
          i32(0),
          set(CH),
          ...whileLess(CH, CB, step),
          inc(SRC, get(CB)),
          inc(TX),
        ]),
        inc(ROW),
      ]),
    ],
  };
}

/**
 * A transform of matrices entry by entry: for each of the n floats (a multiple of 4) of the q²
 * matrices the int32 table `from` points at (X, q x q), L X L^T goes to the p² matrices `to`
 * points at.
 */
export type WinogradPointwise = (from: number, to: number, n: number) => void;

/** The filter transform for F(m x m, 3x3): from the 9 taps of g, G g G^T (see WinogradPointwise). */
export function winogradFilterAsm(m: WinogradTile): AsmFunction {
  return pointwiseAsm(`winograd${m}x${m}Filter`, WINOGRAD[m].G);
}

/** The filter gradient's last step for F(m x m, 3x3): from α² sums M, the 9 taps G^T M G (see WinogradPointwise). */
export function winogradFilterGradAsm(m: WinogradTile): AsmFunction {
  const { G } = WINOGRAD[m];
  return pointwiseAsm(
    `winograd${m}x${m}FilterGrad`,
    G[0].map((_, i) => G.map((row) => row[i])),
  );
}

/** L X L^T entry by entry for the p x q matrix L (see WinogradPointwise). */
function pointwiseAsm(name: string, L: number[][]): AsmFunction {
  const [p, q] = [L.length, L[0].length];
  const locals = new Locals(3);
  const [FROM, TO, N] = [0, 1, 2];
  const [OFF, NB] = locals.take(I32, 2);
  const x = locals.take(V128, q * q);
  const t = locals.take(V128, p * q);
  const k = constants(locals, [L]);
  const step: number[][] = [
    ...loadEntries(FROM, OFF, x),
    ...twoSided(L, L, x, t, k.local, (i, j, value) => [
      ...entryAt(TO, i * p + j, OFF),
      ...value,
      op.v128Store(),
    ]),
    inc(OFF, i32(16)),
  ];
  return {
    name,
    params: [I32, I32, I32],
    locals: locals.types,
    body: [
      ...k.init,
      [get(N), i32(2), op.i32Shl(), set(NB)].flat(),
      i32(0),
      set(OFF),
      ...whileLess(OFF, NB, step),
    ],
  };
}
