import { type AsmFunction, I32, inc, minOf, op, whileLess } from './wasm-asm';

/** The helper's signature: byte offsets of src [rows, cols], dst [cols] and an f64 scratch [cols]. */
export type ColumnSum = (src: number, dst: number, scratch: number, rows: number, cols: number) => void;

const [SRC, DST, ACC, ROWS, COLS] = [0, 1, 2, 3, 4];
const [R, END, AT, C, CB] = [5, 6, 7, 8, 9];
const { get, set, i32 } = op;
/** Rows summed in float32 before each float64 flush: keeps the error near float64 sums'. */
const BLOCK = 256;

/**
 * Column sums of a row-major float32 matrix (cols a multiple of 4): blocks of 256 rows are
 * summed four columns at a time in float32, each block added to float64 totals, which are
 * rounded to float32 at the end.
 */
export const columnSumAsm: AsmFunction = {
  name: 'columnSum',
  params: new Array(5).fill(I32),
  locals: new Array(5).fill(I32),
  body: [
    get(COLS),
    i32(2),
    op.i32Shl(),
    set(CB),
    get(ACC),
    i32(0),
    get(COLS),
    i32(3),
    op.i32Shl(),
    op.memoryFill(),
    get(SRC),
    set(AT),
    i32(0),
    set(R),
    ...whileLess(R, ROWS, [
      minOf([get(R), i32(BLOCK), op.i32Add()].flat(), ROWS),
      set(END),
      get(DST),
      i32(0),
      get(CB),
      op.memoryFill(),
      ...whileLess(R, END, [
        i32(0),
        set(C),
        ...whileLess(C, CB, [
          get(DST),
          get(C),
          op.i32Add(),
          get(DST),
          get(C),
          op.i32Add(),
          op.v128Load(),
          get(AT),
          get(C),
          op.i32Add(),
          op.v128Load(),
          op.f32x4Add(),
          op.v128Store(),
          inc(C, i32(16)),
        ]),
        inc(AT, get(CB)),
        inc(R),
      ]),
      // acc[c] += dst[c] in float64
      i32(0),
      set(C),
      ...whileLess(C, COLS, [
        get(ACC),
        get(C),
        i32(3),
        op.i32Shl(),
        op.i32Add(),
        get(ACC),
        get(C),
        i32(3),
        op.i32Shl(),
        op.i32Add(),
        op.f64Load(),
        get(DST),
        get(C),
        i32(2),
        op.i32Shl(),
        op.i32Add(),
        op.f32Load(),
        op.f64PromoteF32(),
        op.f64Add(),
        op.f64Store(),
        inc(C),
      ]),
    ]),
    // dst[c] = float32(acc[c])
    i32(0),
    set(C),
    ...whileLess(C, COLS, [
      get(DST),
      get(C),
      i32(2),
      op.i32Shl(),
      op.i32Add(),
      get(ACC),
      get(C),
      i32(3),
      op.i32Shl(),
      op.i32Add(),
      op.f64Load(),
      op.f32DemoteF64(),
      op.f32Store(),
      inc(C),
    ]),
  ],
};
