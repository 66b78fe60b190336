import { type AsmFunction, F32, I32, inc, inRange, op, V128, whileLess } from './wasm-asm';

/**
 * Winograd F(2x2, 3x3) input transform over whole rows of tiles: for tile rows [row0, row1)
 * (row = image * tilesH + tile row) of NHWC x, each 4x4 patch d at (2*ty - top, 2*tx - left)
 * becomes B^T d B, whose 16 entries go to the 16 matrices whose byte offsets the int32 table
 * holds ([tiles, c] each, tiles in row order). Pixels outside the image read `zeros` (c floats).
 */
export type WinogradInput = (
  x: number,
  table: number,
  zeros: number,
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
 * Winograd F(2x2, 3x3) output transform: each tile's 16 products m (read from the matrices the
 * table points at, [tiles, c] each) become the 2x2 outputs A^T m A, plus bias (c floats), floored
 * at `floor` (0 for relu, -Infinity for none), written to NHWC out at (2*ty, 2*tx). Outputs past
 * oh or ow (odd sizes) go to `trash` (c floats).
 */
export type WinogradOutput = (
  table: number,
  out: number,
  bias: number,
  trash: number,
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

/** Local indices from `start`, `count` of them. */
const range = (start: number, count: number) => Array.from({ length: count }, (_, i) => start + i);

/** `a OP b` of two v128 locals into local `to`. */
const binary = (to: number, a: number, b: number, f32x4: () => number[]) => [
  get(a),
  get(b),
  f32x4(),
  set(to),
];

/** Loads the 16 int32 pointers of the table into locals q. */
const loadTable = (table: number, q: number[]) =>
  q.flatMap((local, k) => [get(table), i32(4 * k), op.i32Add(), op.i32Load(), set(local)]);

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

// Input transform: params, then i32 locals, then v128 locals.
const IN = {
  X: 0,
  TABLE: 1,
  ZEROS: 2,
  H: 3,
  W: 4,
  C: 5,
  TILES_H: 6,
  TILES_W: 7,
  TOP: 8,
  LEFT: 9,
  ROW0: 10,
  ROW1: 11,
  // i32 locals
  ROW: 12,
  B: 13,
  TY: 14,
  TX: 15,
  CH: 16,
  DST: 17,
  Y0: 18,
  X0: 19,
  BASE: 20,
  CB: 21,
  OFF: 22,
};
const IN_P = range(23, 16); // source pointer of each patch pixel
const IN_Q = range(39, 16); // destination matrices
const IN_D = range(55, 16); // v128: the patch
const IN_T = range(71, 16); // v128: B^T d

/** base + (y * width + x) * cb for i32 expressions y and x, or `fallback` where `inside` is 0. */
function pixelOr(
  base: number,
  cb: number,
  y: number[],
  x: number[],
  width: number,
  fallback: number,
  inside: number[],
): number[][] {
  return [
    get(base),
    y,
    get(width),
    op.i32Mul(),
    x,
    op.i32Add(),
    get(cb),
    op.i32Mul(),
    op.i32Add(),
    get(fallback),
    inside,
    op.select(),
  ];
}

/** P[4i+j] = address of pixel (y0 + i, x0 + j) of this image, or ZEROS outside it. */
function patchPointers(): number[][] {
  const { H, W, CB, Y0, X0, BASE, ZEROS } = IN;
  const code: number[][] = [];
  for (let i = 0; i < 4; i++) {
    for (let j = 0; j < 4; j++) {
      const y = [get(Y0), i32(i), op.i32Add()].flat();
      const x = [get(X0), i32(j), op.i32Add()].flat();
      const inside = [inRange(y, H), inRange(x, W), op.i32And()].flat();
      code.push(...pixelOr(BASE, CB, y, x, W, ZEROS, inside), set(IN_P[4 * i + j]));
    }
  }
  return code;
}

/** One 4-channel step: load the patch, V = B^T d B, store V's 16 entries. */
function inputStep(): number[][] {
  const { CH, DST, OFF } = IN;
  const d = (i: number, j: number) => IN_D[4 * i + j];
  const t = (i: number, j: number) => IN_T[4 * i + j];
  const code: number[][] = [];
  for (let k = 0; k < 16; k++) code.push(get(IN_P[k]), get(CH), op.i32Add(), op.v128Load(), set(IN_D[k]));
  // Rows of B^T d: d0 - d2, d1 + d2, d2 - d1, d1 - d3.
  for (let j = 0; j < 4; j++) {
    code.push(
      ...binary(t(0, j), d(0, j), d(2, j), op.f32x4Sub),
      ...binary(t(1, j), d(1, j), d(2, j), op.f32x4Add),
      ...binary(t(2, j), d(2, j), d(1, j), op.f32x4Sub),
      ...binary(t(3, j), d(1, j), d(3, j), op.f32x4Sub),
    );
  }
  code.push(get(DST), get(CH), op.i32Add(), set(OFF));
  // Columns of (B^T d) B, the same combination, straight to the matrices.
  const store = (k: number, a: number, b: number, f32x4: () => number[]) => [
    get(IN_Q[k]),
    get(OFF),
    op.i32Add(),
    get(a),
    get(b),
    f32x4(),
    op.v128Store(),
  ];
  for (let i = 0; i < 4; i++) {
    code.push(
      ...store(4 * i, t(i, 0), t(i, 2), op.f32x4Sub),
      ...store(4 * i + 1, t(i, 1), t(i, 2), op.f32x4Add),
      ...store(4 * i + 2, t(i, 2), t(i, 1), op.f32x4Sub),
      ...store(4 * i + 3, t(i, 1), t(i, 3), op.f32x4Sub),
    );
  }
  code.push(inc(CH, i32(16)));
  return code;
}

/** See WinogradInput. */
export const winogradInputAsm: AsmFunction = {
  name: 'winogradInput',
  params: new Array(12).fill(I32),
  locals: [...new Array(11 + 32).fill(I32), ...new Array(32).fill(V128)],
  body: [
    get(IN.C),
    i32(2),
    op.i32Shl(),
    set(IN.CB),
    ...loadTable(IN.TABLE, IN_Q),
    i32(0),
    set(IN.DST),
    get(IN.ROW0),
    set(IN.ROW),
    ...whileLess(IN.ROW, IN.ROW1, [
      ...splitRow(IN.ROW, IN.TILES_H, IN.B, IN.TY),
      get(IN.TY),
      i32(1),
      op.i32Shl(),
      get(IN.TOP),
      op.i32Sub(),
      set(IN.Y0),
      // BASE = X + B * H * W * CB
      get(IN.X),
      get(IN.B),
      get(IN.H),
      op.i32Mul(),
      get(IN.W),
      op.i32Mul(),
      get(IN.CB),
      op.i32Mul(),
      op.i32Add(),
      set(IN.BASE),
      i32(0),
      set(IN.TX),
      ...whileLess(IN.TX, IN.TILES_W, [
        get(IN.TX),
        i32(1),
        op.i32Shl(),
        get(IN.LEFT),
        op.i32Sub(),
        set(IN.X0),
        ...patchPointers(),
        i32(0),
        set(IN.CH),
        ...whileLess(IN.CH, IN.CB, inputStep()),
        inc(IN.DST, get(IN.CB)),
        inc(IN.TX),
      ]),
      inc(IN.ROW),
    ]),
  ],
};

// Output transform: params (FLOOR is f32), then i32 locals, then v128 locals.
const OUT = {
  TABLE: 0,
  OUT: 1,
  BIAS: 2,
  TRASH: 3,
  OH: 4,
  OW: 5,
  C: 6,
  TILES_H: 7,
  TILES_W: 8,
  ROW0: 9,
  ROW1: 10,
  FLOOR: 11,
  // i32 locals
  ROW: 12,
  B: 13,
  TY: 14,
  TX: 15,
  CH: 16,
  SRC: 17,
  Y0: 18,
  X0: 19,
  BASE: 20,
  CB: 21,
  OFF: 22,
};
const OUT_O = range(23, 4); // destination pixel of each of the tile's 2x2 outputs
const OUT_Q = range(27, 16); // source matrices
const OUT_M = range(43, 16); // v128: the tile's products
const OUT_S = range(59, 8); // v128: A^T m
const [OUT_BIAS, OUT_FLOOR] = [67, 68]; // v128

/** O[2i+j] = address of output pixel (y0 + i, x0 + j), or TRASH past the output's edge. */
function outputPointers(): number[][] {
  const { OH, OW, CB, Y0, X0, BASE, TRASH } = OUT;
  const code: number[][] = [];
  for (let i = 0; i < 2; i++) {
    for (let j = 0; j < 2; j++) {
      const y = [get(Y0), i32(i), op.i32Add()].flat();
      const x = [get(X0), i32(j), op.i32Add()].flat();
      const inside = [y, get(OH), op.i32LtS(), x, get(OW), op.i32LtS(), op.i32And()].flat();
      code.push(...pixelOr(BASE, CB, y, x, OW, TRASH, inside), set(OUT_O[2 * i + j]));
    }
  }
  return code;
}

/** One 4-channel step: load the products, Y = A^T m A + bias, floored, stored. */
function outputStep(): number[][] {
  const { CH, SRC, OFF, BIAS } = OUT;
  const m = (i: number, j: number) => OUT_M[4 * i + j];
  const s = (i: number, j: number) => OUT_S[4 * i + j];
  const code: number[][] = [get(SRC), get(CH), op.i32Add(), set(OFF)];
  for (let k = 0; k < 16; k++) code.push(get(OUT_Q[k]), get(OFF), op.i32Add(), op.v128Load(), set(OUT_M[k]));
  // Rows of A^T m: m0 + m1 + m2, m1 - m2 - m3.
  for (let j = 0; j < 4; j++) {
    code.push(
      [get(m(0, j)), get(m(1, j)), op.f32x4Add(), get(m(2, j)), op.f32x4Add(), set(s(0, j))].flat(),
      [get(m(1, j)), get(m(2, j)), op.f32x4Sub(), get(m(3, j)), op.f32x4Sub(), set(s(1, j))].flat(),
    );
  }
  code.push(get(BIAS), get(CH), op.i32Add(), op.v128Load(), set(OUT_BIAS));
  // Columns of (A^T m) A, plus bias, floored.
  const store = (o: number, sum: number[][]) => [
    get(OUT_O[o]),
    get(CH),
    op.i32Add(),
    ...sum,
    get(OUT_BIAS),
    op.f32x4Add(),
    get(OUT_FLOOR),
    op.f32x4Max(),
    op.v128Store(),
  ];
  for (let i = 0; i < 2; i++) {
    code.push(
      ...store(2 * i, [get(s(i, 0)), get(s(i, 1)), op.f32x4Add(), get(s(i, 2)), op.f32x4Add()]),
      ...store(2 * i + 1, [get(s(i, 1)), get(s(i, 2)), op.f32x4Sub(), get(s(i, 3)), op.f32x4Sub()]),
    );
  }
  code.push(inc(CH, i32(16)));
  return code;
}

/** See WinogradOutput. */
export const winogradOutputAsm: AsmFunction = {
  name: 'winogradOutput',
  params: [...new Array(11).fill(I32), F32],
  locals: [...new Array(11 + 20).fill(I32), ...new Array(16 + 8 + 2).fill(V128)],
  body: [
    get(OUT.C),
    i32(2),
    op.i32Shl(),
    set(OUT.CB),
    get(OUT.FLOOR),
    op.f32x4Splat(),
    set(OUT_FLOOR),
    ...loadTable(OUT.TABLE, OUT_Q),
    i32(0),
    set(OUT.SRC),
    get(OUT.ROW0),
    set(OUT.ROW),
    ...whileLess(OUT.ROW, OUT.ROW1, [
      ...splitRow(OUT.ROW, OUT.TILES_H, OUT.B, OUT.TY),
      get(OUT.TY),
      i32(1),
      op.i32Shl(),
      set(OUT.Y0),
      // BASE = OUT + B * OH * OW * CB
      get(OUT.OUT),
      get(OUT.B),
      get(OUT.OH),
      op.i32Mul(),
      get(OUT.OW),
      op.i32Mul(),
      get(OUT.CB),
      op.i32Mul(),
      op.i32Add(),
      set(OUT.BASE),
      i32(0),
      set(OUT.TX),
      ...whileLess(OUT.TX, OUT.TILES_W, [
        get(OUT.TX),
        i32(1),
        op.i32Shl(),
        set(OUT.X0),
        ...outputPointers(),
        i32(0),
        set(OUT.CH),
        ...whileLess(OUT.CH, OUT.CB, outputStep()),
        inc(OUT.SRC, get(OUT.CB)),
        inc(OUT.TX),
      ]),
      inc(OUT.ROW),
    ]),
  ],
};
