import { type AsmFunction, I32, inc, inRange, op, V128, whileLess } from './wasm-asm';

/** The helper's signature: byte offsets of x, dy and dW on the heap, then the conv geometry. */
export type ThinFilterGrad = (
  x: number,
  dy: number,
  dw: number,
  n: number,
  h: number,
  w: number,
  ci: number,
  oh: number,
  ow: number,
  co: number,
  kh: number,
  kw: number,
  sh: number,
  sw: number,
  top: number,
  left: number,
) => void;

/** Output channels per pass: eight 4-lane accumulators. */
export const THIN_CO_BLOCK = 32;

const P = Array.from({ length: 16 }, (_, i) => i);
const [X, DY, DW, N, H, W, CI, OH, OW, CO, KH, KW, SH, SW, TOP, LEFT] = P;
const [A, C, CH, CO0, B, Y, XX, R, Q, ROWX, ROWDY, K] = Array.from({ length: 12 }, (_, i) => 16 + i);
const ACC = Array.from({ length: 8 }, (_, i) => 28 + i);
const V = 36;
const { get, set, i32 } = op;
const bytes = (expr: number[]) => [...expr, ...i32(2), ...op.i32Shl()];

/**
 * The filter gradient of a conv with few taps x in-channels, without im2col or packing:
 * dW[a, c, ch, co] = sum over b, y, x of x[b, y*sh + a - top, x*sw + c - left, ch] * dy[b, y, x, co],
 * 32 output channels per pass (co must be a multiple of 32) held in eight SIMD accumulators,
 * taps in the padding skipped.
 */
export const thinFilterGradAsm: AsmFunction = {
  name: 'thinFilterGrad',
  params: new Array(16).fill(I32),
  locals: [...new Array(12).fill(I32), ...new Array(9).fill(V128)],
  body: [
    i32(0),
    set(A),
    ...whileLess(A, KH, [
      i32(0),
      set(C),
      ...whileLess(C, KW, [
        i32(0),
        set(CH),
        ...whileLess(CH, CI, [
          // k = (a*kw + c)*ci + ch
          get(A),
          get(KW),
          op.i32Mul(),
          get(C),
          op.i32Add(),
          get(CI),
          op.i32Mul(),
          get(CH),
          op.i32Add(),
          set(K),
          i32(0),
          set(CO0),
          ...whileLess(CO0, CO, [
            ...ACC.flatMap((acc) => [op.v128Const(new Array(16).fill(0)), set(acc)]),
            i32(0),
            set(B),
            ...whileLess(B, N, [
              i32(0),
              set(Y),
              ...whileLess(Y, OH, [
                get(Y),
                get(SH),
                op.i32Mul(),
                get(A),
                op.i32Add(),
                get(TOP),
                op.i32Sub(),
                set(R),
                inRange(get(R), H),
                op.if(),
                // rowX = x + (((b*h + r)*w)*ci + ch)*4; rowDy = dy + (((b*oh + y)*ow)*co + co0)*4
                get(X),
                bytes(
                  [
                    get(B),
                    get(H),
                    op.i32Mul(),
                    get(R),
                    op.i32Add(),
                    get(W),
                    op.i32Mul(),
                    get(CI),
                    op.i32Mul(),
                    get(CH),
                    op.i32Add(),
                  ].flat(),
                ),
                op.i32Add(),
                set(ROWX),
                get(DY),
                bytes(
                  [
                    get(B),
                    get(OH),
                    op.i32Mul(),
                    get(Y),
                    op.i32Add(),
                    get(OW),
                    op.i32Mul(),
                    get(CO),
                    op.i32Mul(),
                    get(CO0),
                    op.i32Add(),
                  ].flat(),
                ),
                op.i32Add(),
                set(ROWDY),
                i32(0),
                set(XX),
                ...whileLess(XX, OW, [
                  get(XX),
                  get(SW),
                  op.i32Mul(),
                  get(C),
                  op.i32Add(),
                  get(LEFT),
                  op.i32Sub(),
                  set(Q),
                  inRange(get(Q), W),
                  op.if(),
                  // v = splat(x[rowX + q*ci])
                  get(ROWX),
                  bytes([get(Q), get(CI), op.i32Mul()].flat()),
                  op.i32Add(),
                  op.f32Load(),
                  op.f32x4Splat(),
                  set(V),
                  ...ACC.flatMap((acc, j) => [
                    get(acc),
                    get(V),
                    get(ROWDY),
                    op.v128Load(16 * j),
                    op.f32x4Mul(),
                    op.f32x4Add(),
                    set(acc),
                  ]),
                  op.end(),
                  inc(ROWDY, bytes(get(CO))),
                  inc(XX),
                ]),
                op.end(),
                inc(Y),
              ]),
              inc(B),
            ]),
            // dW[k, co0 .. co0 + 32] = accumulators
            ...ACC.flatMap((acc, j) => [
              get(DW),
              bytes([get(K), get(CO), op.i32Mul(), get(CO0), op.i32Add()].flat()),
              op.i32Add(),
              get(acc),
              op.v128Store(16 * j),
            ]),
            inc(CO0, i32(THIN_CO_BLOCK)),
          ]),
          inc(CH),
        ]),
        inc(C),
      ]),
      inc(A),
    ]),
  ],
};
