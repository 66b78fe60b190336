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

/** The i32 locals of a walk over tiles. */
interface WalkLocals {
  row: number;
  b: number;
  ty: number;
  tx: number;
  /** The channel step's byte offset within a pixel. */
  ch: number;
  /** The tile's byte offset within the tables' matrices ([tiles, c] each). */
  tile: number;
  y0: number;
  x0: number;
  base: number;
  cb: number;
  i: number;
  j: number;
  y: number;
  x: number;
  at: number;
}

/** Takes a walk's i32 locals. */
function walkLocals(locals: Locals): WalkLocals {
  const [row, b, ty, tx, ch, tile, y0, x0, base, cb, i, j, y, x, at] = locals.take(I32, 15);
  return { row, b, ty, tx, ch, tile, y0, x0, base, cb, i, j, y, x, at };
}

/** The walk's params (locals): an NHWC image, its geometry, the tiles and the rows to walk. */
interface WalkParams {
  image: number;
  pixels: number;
  outside: number;
  h: number;
  w: number;
  c: number;
  tilesH: number;
  tilesW: number;
  row0: number;
  row1: number;
  /** Where tile (0, 0) starts above and left of the image (none: at its corner). */
  top?: number;
  left?: number;
}

/**
 * For each tile of rows [row0, row1) (row = image * tilesH + tile row), in row order: fills the
 * int32 table `pixels` with the addresses of its size x size pixels from (m * ty - top,
 * m * tx - left), row by row, or `outside` where the i32 condition `inside` (of locals y and x)
 * is 0; then runs `step` for each 4 channels (ch = 0, 16, ... bytes); then advances `tile` by
 * a pixel's bytes.
 */
function walkTiles(
  p: WalkParams,
  l: WalkLocals,
  m: number,
  size: number,
  inside: number[],
  step: number[][],
): number[][] {
  const minus = (local: number | undefined) => (local === undefined ? [] : [get(local), op.i32Sub()]);
  return [
    [get(p.c), i32(2), op.i32Shl(), set(l.cb)].flat(),
    i32(0),
    set(l.tile),
    get(p.row0),
    set(l.row),
    ...whileLess(l.row, p.row1, [
      ...splitRow(l.row, p.tilesH, l.b, l.ty),
      [get(l.ty), i32(m), op.i32Mul(), ...minus(p.top), set(l.y0)].flat(),
      ...imageBase(l.base, p.image, l.b, p.h, p.w, l.cb),
      i32(0),
      set(l.tx),
      ...whileLess(l.tx, p.tilesW, [
        [get(l.tx), i32(m), op.i32Mul(), ...minus(p.left), set(l.x0)].flat(),
        get(p.pixels),
        set(l.at),
        ...forCount(l.i, size, [
          [get(l.y0), get(l.i), op.i32Add(), set(l.y)].flat(),
          ...forCount(l.j, size, [
            [get(l.x0), get(l.j), op.i32Add(), set(l.x)].flat(),
            get(l.at),
            // base + (y * w + x) * cb, or outside
            [get(l.base), get(l.y), get(p.w), op.i32Mul(), get(l.x), op.i32Add()].flat(),
            [get(l.cb), op.i32Mul(), op.i32Add(), get(p.outside), inside, op.select(), op.i32Store()].flat(),
            inc(l.at, i32(4)),
          ]),
        ]),
        i32(0),
        set(l.ch),
        ...whileLess(l.ch, l.cb, [...step, inc(l.ch, i32(16))]),
        inc(l.tile, get(l.cb)),
        inc(l.tx),
      ]),
      inc(l.row),
    ]),
  ];
}

/**
 * L X L^T for the p x q matrix L and q x q values X (v128 locals, row-major), through T = L X in
 * `t` (p x q locals); `emit(i, j, code)` receives the code that leaves entry (i, j) of the
 * result on the stack.
 */
function twoSided(
  L: number[][],
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
    L.forEach((row, j) => {
      code.push(...emit(i, j, combination(row, t.slice(i * q, (i + 1) * q), constant)));
    });
  });
  return code;
}

/** The transpose of a matrix. */
const transposed = (M: number[][]) => M[0].map((_, i) => M.map((row) => row[i]));

/** The input transform for F(m x m, 3x3): B^T d B over α x α patches (see WinogradInput). */
export function winogradInputAsm(m: WinogradTile): AsmFunction {
  return tileTransformAsm(`winograd${m}x${m}Input`, WINOGRAD[m].BT, m);
}

/**
 * For the filter gradient, dy's transform for F(m x m, 3x3): A dy A^T over m x m tiles of dy
 * (top and left 0: its tiles start inside it), with WinogradInput's signature.
 */
export function winogradGradOutputAsm(m: WinogradTile): AsmFunction {
  return tileTransformAsm(`winograd${m}x${m}GradOutput`, transposed(WINOGRAD[m].AT), m);
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
  const l = walkLocals(locals);
  const [OFF] = locals.take(I32);
  const d = locals.take(V128, size * size);
  const t = locals.take(V128, a * size);
  const k = constants(locals, [L]);
  const inside = [inRange(get(l.y), H), inRange(get(l.x), W), op.i32And()].flat();
  const step: number[][] = [
    ...loadEntries(PIXELS, l.ch, d),
    [get(l.tile), get(l.ch), op.i32Add(), set(OFF)].flat(),
    // L d L^T, each entry straight to its matrix.
    ...twoSided(L, d, t, k.local, (i, j, value) => [
      ...entryAt(TABLE, i * a + j, OFF),
      ...value,
      op.v128Store(),
    ]),
  ];
  const walk = {
    image: X,
    pixels: PIXELS,
    outside: ZEROS,
    h: H,
    w: W,
    c: C,
    tilesH: TILES_H,
    tilesW: TILES_W,
  };
  return {
    name,
    params: new Array(13).fill(I32),
    locals: locals.types,
    body: [
      ...k.init,
      ...walkTiles({ ...walk, row0: ROW0, row1: ROW1, top: TOP, left: LEFT }, l, m, size, inside, step),
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
  const l = walkLocals(locals);
  const [OFF] = locals.take(I32);
  const products = locals.take(V128, a * a);
  const s = locals.take(V128, m * a);
  const [biasV, floorV] = locals.take(V128, 2);
  const k = constants(locals, [A]);
  // Tiles start inside the output; their far rows and columns may pass its edge.
  const inside = [get(l.y), get(OH), op.i32LtS(), get(l.x), get(OW), op.i32LtS(), op.i32And()].flat();
  const step: number[][] = [
    [get(l.tile), get(l.ch), op.i32Add(), set(OFF)].flat(),
    ...loadEntries(TABLE, OFF, products),
    [get(BIAS), get(l.ch), op.i32Add(), op.v128Load(), set(biasV)].flat(),
    // Y = A^T M A + bias, floored.
    ...twoSided(A, products, s, k.local, (i, j, value) => [
      ...entryAt(PIXELS, i * m + j, l.ch),
      ...value,
      [get(biasV), op.f32x4Add(), get(floorV), op.f32x4Max(), op.v128Store()].flat(),
    ]),
  ];
  const walk = {
    image: OUT,
    pixels: PIXELS,
    outside: TRASH,
    h: OH,
    w: OW,
    c: C,
    tilesH: TILES_H,
    tilesW: TILES_W,
  };
  return {
    name: `winograd${m}x${m}Output`,
    params: [...new Array(12).fill(I32), F32],
    locals: locals.types,
    body: [
      ...k.init,
      [get(FLOOR), op.f32x4Splat(), set(floorV)].flat(),
      ...walkTiles({ ...walk, row0: ROW0, row1: ROW1 }, l, m, m, inside, step),
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
  return pointwiseAsm(`winograd${m}x${m}FilterGrad`, transposed(WINOGRAD[m].G));
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
    ...twoSided(L, x, t, k.local, (i, j, value) => [
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
