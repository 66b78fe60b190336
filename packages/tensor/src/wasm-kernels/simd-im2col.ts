import { type AsmFunction, I32, inc, inRange, op, whileLess } from './wasm-asm';

/** The helper's signature: byte offsets of xT and of this tap's block of cols, then geometry. */
export type Im2colTap = (
  xT: number,
  dst: number,
  planes: number,
  h: number,
  w: number,
  oh: number,
  ow: number,
  sh: number,
  sw: number,
  rowOffset: number,
  colOffset: number,
  q0: number,
  q1: number,
) => void;

const [XT, DST, PLANES, H, W, OH, OW, SH, SW, ROWOFF, COLOFF, Q0, Q1] = Array.from(
  { length: 13 },
  (_, i) => i,
);
const [P, Y, R, Q, SRC, OUT] = Array.from({ length: 6 }, (_, i) => 13 + i);
const { get, set, i32 } = op;

/** memory.fill(OUT + from*4, 0, (to - from)*4) for i32 expressions `from` and `to`. */
function zeros(from: number[], to: number[]): number[][] {
  return [
    get(OUT),
    from,
    i32(2),
    op.i32Shl(),
    op.i32Add(),
    i32(0),
    to,
    from,
    op.i32Sub(),
    i32(2),
    op.i32Shl(),
    op.memoryFill(),
  ];
}

/**
 * One filter tap's rows of im2col: for each (channel, image) plane of xT ([ci, n, h, w]) and
 * each output row y, dst gets the ow input pixels the tap reads, x[plane, y*sh + rowOffset,
 * q*sw + colOffset], with 0 where that lands in the padding (columns outside [q0, q1), rows
 * outside the image). Blocks follow each other: planes x oh x ow floats.
 */
export const im2colTapAsm: AsmFunction = {
  name: 'im2colTap',
  params: new Array(13).fill(I32),
  locals: new Array(6).fill(I32),
  body: [
    get(DST),
    set(OUT),
    i32(0),
    set(P),
    ...whileLess(P, PLANES, [
      i32(0),
      set(Y),
      ...whileLess(Y, OH, [
        get(Y),
        get(SH),
        op.i32Mul(),
        get(ROWOFF),
        op.i32Add(),
        set(R),
        inRange(get(R), H),
        op.if(),
        ...zeros(i32(0), get(Q0)),
        // src = xT + ((p*h + r)*w + colOffset)*4, advanced by sw*4 per column
        get(P),
        get(H),
        op.i32Mul(),
        get(R),
        op.i32Add(),
        get(W),
        op.i32Mul(),
        get(COLOFF),
        op.i32Add(),
        get(Q0),
        get(SW),
        op.i32Mul(),
        op.i32Add(),
        i32(2),
        op.i32Shl(),
        get(XT),
        op.i32Add(),
        set(SRC),
        get(Q0),
        set(Q),
        ...whileLess(Q, Q1, [
          get(OUT),
          get(Q),
          i32(2),
          op.i32Shl(),
          op.i32Add(),
          get(SRC),
          op.i32Load(),
          op.i32Store(),
          inc(SRC, [get(SW), i32(2), op.i32Shl()].flat()),
          inc(Q),
        ]),
        ...zeros(get(Q1), get(OW)),
        op.else(),
        ...zeros(i32(0), get(OW)),
        op.end(),
        inc(OUT, [get(OW), i32(2), op.i32Shl()].flat()),
        inc(Y),
      ]),
      inc(P),
    ]),
  ],
};
