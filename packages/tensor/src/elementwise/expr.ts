/**
 * A tiny language for elementwise formulas over same-shape float32 tensors, such as an
 * optimizer's update. A formula is written once and runs two ways (see `elementwise`): as one
 * WebGPU dispatch per output, or as tfjs ops on any backend.
 */

/** A binary operation of the language. */
export type BinaryOp = 'add' | 'sub' | 'mul' | 'div';
/** A unary operation of the language. */
export type UnaryOp = 'sqrt' | 'square' | 'step';

/** A node of a formula: an input, or an operation on other terms. */
export type ExprNode =
  | { readonly kind: 'input'; readonly index: number }
  | { readonly kind: 'binary'; readonly op: BinaryOp; readonly a: Term; readonly b: Term }
  | { readonly kind: 'unary'; readonly op: UnaryOp; readonly a: Term };

/** A term: a formula node, or a number (a float32 scalar). */
export type Term = ExprNode | number;

const fold: Record<BinaryOp, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
};

function binary(op: BinaryOp, a: Term, b: Term): Term {
  if (typeof a === 'number' && typeof b === 'number') return fold[op](a, b);
  return { kind: 'binary', op, a, b };
}

/** a + b. */
export const add = (a: Term, b: Term): Term => binary('add', a, b);
/** a - b. */
export const sub = (a: Term, b: Term): Term => binary('sub', a, b);
/** a * b. */
export const mul = (a: Term, b: Term): Term => binary('mul', a, b);
/** a / b. */
export const div = (a: Term, b: Term): Term => binary('div', a, b);
/** The square root of a. */
export const sqrt = (a: Term): Term =>
  typeof a === 'number' ? Math.sqrt(a) : { kind: 'unary', op: 'sqrt', a };
/** 1 where a > 0, else 0 (tf.step; relu's derivative). */
export const step = (a: Term): Term =>
  typeof a === 'number' ? Number(a > 0) : { kind: 'unary', op: 'step', a };
/** a * a. */
export const square = (a: Term): Term => (typeof a === 'number' ? a * a : { kind: 'unary', op: 'square', a });
