import * as tf from '@tensorflow/tfjs-core';
import type { Term } from './expr';

const binaryOps = { add: tf.add, sub: tf.sub, mul: tf.mul, div: tf.div } as const;
const unaryOps = { sqrt: tf.sqrt, square: tf.square, step: (a: tf.Tensor) => tf.step(a) } as const;

/**
 * Computes formula outputs with tfjs ops on the active backend: one op per operation, each
 * shared node once. Numbers become scalar tensors taken from `scalars`, a cache the caller may
 * share between calls (inside one tidy) so that each constant is uploaded once.
 */
export function evaluateWithOps(
  outputs: readonly Term[],
  inputs: readonly tf.Tensor[],
  scalars: Map<number, tf.Scalar> = new Map(),
): tf.Tensor[] {
  const done = new Map<Term, tf.Tensor>();
  const scalar = (v: number): tf.Scalar => {
    let t = scalars.get(v);
    if (!t) {
      t = tf.scalar(v);
      scalars.set(v, t);
    }
    return t;
  };
  const value = (term: Term): tf.Tensor => {
    if (typeof term === 'number') return scalar(term);
    let t = done.get(term);
    if (t) return t;
    if (term.kind === 'input') t = inputs[term.index];
    else if (term.kind === 'unary') t = unaryOps[term.op](value(term.a));
    else t = binaryOps[term.op](value(term.a), value(term.b));
    done.set(term, t);
    return t;
  };
  return outputs.map(value);
}
