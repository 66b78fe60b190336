import {
  type AsmFunction,
  f32Bytes,
  I32,
  i32x4Bytes,
  inc,
  max0,
  minOf,
  op,
  V128,
  whileLess,
} from './wasm-asm';

/** The helper's signature: byte offsets of x, dy, dx on the heap, then the pooling geometry. */
export type MaxPoolGradSimd = (
  x: number,
  dy: number,
  dx: number,
  n: number,
  h: number,
  w: number,
  c: number,
  oh: number,
  ow: number,
  kh: number,
  kw: number,
  sh: number,
  sw: number,
  top: number,
  left: number,
) => void;

// Locals: the 15 params, then i32 scratch, then v128 scratch.
const [X, DY, DX, N, H, W, C, OH, OW, KH, KW, SH, SW, TOP, LEFT] = Array.from({ length: 15 }, (_, i) => i);
const [B, Y, XX, H0, H1, W0, W1, DYBASE, CH, R, Q, IDX, ADDR, LANEI] = Array.from(
  { length: 14 },
  (_, i) => 15 + i,
);
const [BEST, WHERE, DYV, V, M] = Array.from({ length: 5 }, (_, i) => 29 + i);

const { get, set, i32 } = op;

/** The scatter of one lane: if (where[lane] >= 0) dx[where[lane]] += dy[lane]. */
function scatterLane(lane: number): number[][] {
  return [
    get(WHERE),
    op.i32x4ExtractLane(lane),
    op.tee(LANEI),
    i32(0),
    op.i32GeS(),
    op.if(),
    get(DX),
    get(LANEI),
    i32(2),
    op.i32Shl(),
    op.i32Add(),
    op.tee(ADDR),
    get(ADDR),
    op.f32Load(),
    get(DYV),
    op.f32x4ExtractLane(lane),
    op.f32Add(),
    op.f32Store(),
    op.end(),
  ];
}

/**
 * maxPoolGrad over NHWC float32 data, four channels per step (c must be a multiple of 4):
 * for each window and channel, the first strictly greater value in row-major order wins (as
 * on the cpu backend) and receives the window's dy; windows of -Infinity give nothing.
 */
export const maxPoolGradAsm: AsmFunction = {
  name: 'maxPoolGrad',
  params: new Array(15).fill(I32),
  locals: [...new Array(14).fill(I32), ...new Array(5).fill(V128)],
  body: [
    // dx = 0
    get(DX),
    i32(0),
    get(N),
    get(H),
    op.i32Mul(),
    get(W),
    op.i32Mul(),
    get(C),
    op.i32Mul(),
    i32(2),
    op.i32Shl(),
    op.memoryFill(),
    i32(0),
    set(B),
    ...whileLess(B, N, [
      i32(0),
      set(Y),
      ...whileLess(Y, OH, [
        // h0 = max(y*sh - top, 0); h1 = min(y*sh - top + kh, h)
        max0([get(Y), get(SH), op.i32Mul(), get(TOP), op.i32Sub()].flat()),
        set(H0),
        minOf([get(Y), get(SH), op.i32Mul(), get(TOP), op.i32Sub(), get(KH), op.i32Add()].flat(), H),
        set(H1),
        i32(0),
        set(XX),
        ...whileLess(XX, OW, [
          max0([get(XX), get(SW), op.i32Mul(), get(LEFT), op.i32Sub()].flat()),
          set(W0),
          minOf([get(XX), get(SW), op.i32Mul(), get(LEFT), op.i32Sub(), get(KW), op.i32Add()].flat(), W),
          set(W1),
          // dyBase = ((b*oh + y)*ow + x)*c
          get(B),
          get(OH),
          op.i32Mul(),
          get(Y),
          op.i32Add(),
          get(OW),
          op.i32Mul(),
          get(XX),
          op.i32Add(),
          get(C),
          op.i32Mul(),
          set(DYBASE),
          i32(0),
          set(CH),
          ...whileLess(CH, C, [
            op.v128Const([
              ...f32Bytes(Number.NEGATIVE_INFINITY),
              ...f32Bytes(Number.NEGATIVE_INFINITY),
              ...f32Bytes(Number.NEGATIVE_INFINITY),
              ...f32Bytes(Number.NEGATIVE_INFINITY),
            ]),
            set(BEST),
            op.v128Const(i32x4Bytes([-1, -1, -1, -1])),
            set(WHERE),
            get(H0),
            set(R),
            ...whileLess(R, H1, [
              get(W0),
              set(Q),
              ...whileLess(Q, W1, [
                // idx = ((b*h + r)*w + q)*c + ch
                get(B),
                get(H),
                op.i32Mul(),
                get(R),
                op.i32Add(),
                get(W),
                op.i32Mul(),
                get(Q),
                op.i32Add(),
                get(C),
                op.i32Mul(),
                get(CH),
                op.i32Add(),
                set(IDX),
                get(X),
                get(IDX),
                i32(2),
                op.i32Shl(),
                op.i32Add(),
                op.v128Load(),
                set(V),
                get(V),
                get(BEST),
                op.f32x4Gt(),
                set(M),
                // best = m ? v : best; where = m ? idx + lane : where
                get(V),
                get(BEST),
                get(M),
                op.bitselect(),
                set(BEST),
                get(IDX),
                op.i32x4Splat(),
                op.v128Const(i32x4Bytes([0, 1, 2, 3])),
                op.i32x4Add(),
                get(WHERE),
                get(M),
                op.bitselect(),
                set(WHERE),
                inc(Q),
              ]),
              inc(R),
            ]),
            // dyv = dy[dyBase + ch .. + 4]
            get(DY),
            get(DYBASE),
            get(CH),
            op.i32Add(),
            i32(2),
            op.i32Shl(),
            op.i32Add(),
            op.v128Load(),
            set(DYV),
            ...scatterLane(0),
            ...scatterLane(1),
            ...scatterLane(2),
            ...scatterLane(3),
            inc(CH, i32(4)),
          ]),
          inc(XX),
        ]),
        inc(Y),
      ]),
      inc(B),
    ]),
  ],
};
