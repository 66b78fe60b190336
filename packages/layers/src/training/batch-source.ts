import type * as tf from '@tensorflow/tfjs-core';
import { usageError } from '../core/errors';

/**
 * Batches that `fit`, `evaluate` and `predict` pull from (flowFromDirectory produces them):
 * an async iterable of `[x, y?]`. Each yielded tensor belongs to the consumer, which disposes it.
 * `length` is the number of batches in one epoch (Keras's `len(generator)`). Endless sources are
 * iterated once; a finite one ends an epoch when it runs out.
 */
export type BatchSource = AsyncIterable<[x: tf.Tensor, y?: tf.Tensor]> & { length?: number };

/** True when `x` is a BatchSource (an async iterable) rather than a tensor. */
export function isBatchSource(x: unknown): x is BatchSource {
  return typeof x === 'object' && x !== null && Symbol.asyncIterator in x;
}

/**
 * Pulls batches from a source across epochs the way Keras does: one iterator kept between epochs
 * (so an endless generator continues where it stopped); a finished iterator is replaced by a
 * fresh one at the start of the next pull, and a source that yields nothing at all is an error.
 */
export class BatchPuller {
  private iterator?: AsyncIterator<[tf.Tensor, tf.Tensor?]>;

  constructor(
    private readonly source: BatchSource,
    private readonly what: string,
  ) {}

  /** Steps in one epoch: `steps` if given, else the source's length, else until it runs out. */
  stepsPerEpoch(steps: number | undefined): number {
    if (steps !== undefined) {
      if (!Number.isInteger(steps) || steps <= 0)
        usageError(`${this.what}: steps must be a positive integer; found ${steps}.`);
      return steps;
    }
    const n = this.source.length;
    return typeof n === 'number' && n > 0 ? n : Number.POSITIVE_INFINITY;
  }

  /** The next batch of this epoch, or undefined when the source ended (after at least one batch this epoch). */
  async next(firstOfEpoch: boolean): Promise<[tf.Tensor, tf.Tensor?] | undefined> {
    this.iterator ??= this.source[Symbol.asyncIterator]();
    let r = await this.iterator.next();
    if (r.done && firstOfEpoch) {
      this.iterator = this.source[Symbol.asyncIterator]();
      r = await this.iterator.next();
      if (r.done) usageError(`${this.what}: the batch source yielded no batches.`);
    }
    if (r.done) {
      this.iterator = undefined;
      return undefined;
    }
    const batch = r.value;
    if (!Array.isArray(batch) || batch.length < 1) {
      usageError(`${this.what}: a batch source must yield [x, y] arrays of tensors; found ${typeof batch}.`);
    }
    return batch as [tf.Tensor, tf.Tensor?];
  }
}
