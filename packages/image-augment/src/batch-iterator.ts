import { ConvkitUsageError, Random } from '@convkit/tensor';
import * as tf from '@tensorflow/tfjs-core';

/** One batch as the BatchSource contract has it: [x] or [x, y]; the consumer disposes both. */
export type Batch = [x: tf.Tensor, y?: tf.Tensor];

/** Options every Keras-style iterator takes. */
export interface IteratorOptions {
  /** Images per batch (default 32). The last batch of an epoch is shorter when batchSize does not divide the count. */
  batchSize?: number;
  /** Shuffle the order at the start of every epoch (default true). */
  shuffle?: boolean;
  /** Seed for the shuffles and the random transforms; same seed, same batches. Default: a random seed. */
  seed?: number | string;
  /** How many batches to read and decode ahead of the consumer (default 2; 0 reads each on demand). */
  prefetch?: number;
}

/**
 * A Keras-style endless iterator over `samples` items in batches: `for await (const [x, y] of it)`
 * never ends by itself; pull `length` batches per epoch. Each epoch visits every sample once, in a
 * fresh order when shuffling; the last batch of an epoch may be short. The slow, asynchronous part
 * of `prefetch` batches (reading and decoding image files, and with flowFromDirectory's workers
 * augmenting them on a worker thread) runs ahead of the consumer; a batch's tensors
 * (augmentation, standardisation) are made when it is pulled, so a
 * consumer that stops pulling without calling `return()` leaves no tensors behind. Every call to
 * `[Symbol.asyncIterator]()` starts again from epoch 0, so one seed always gives the same batches.
 */
export abstract class BatchIterator implements AsyncIterable<Batch> {
  /** Number of samples in one epoch (Keras's `samples` / `n`). */
  readonly samples: number;
  /** Images per batch. */
  readonly batchSize: number;
  /** Whether each epoch is shuffled. */
  readonly shuffle: boolean;
  /** The seed in use (a random one when none was given). */
  readonly seed: string;
  /** Batches prepared ahead. */
  readonly prefetch: number;

  protected constructor(samples: number, options: IteratorOptions, what: string) {
    const { batchSize = 32, shuffle = true, seed, prefetch = 2 } = options;
    if (!(Number.isInteger(batchSize) && batchSize > 0)) {
      throw new ConvkitUsageError(
        `${what}: batchSize must be a positive integer, got ${JSON.stringify(batchSize)}.`,
      );
    }
    if (!(Number.isInteger(prefetch) && prefetch >= 0)) {
      throw new ConvkitUsageError(
        `${what}: prefetch must be an integer >= 0, got ${JSON.stringify(prefetch)}.`,
      );
    }
    this.samples = samples;
    this.batchSize = batchSize;
    this.shuffle = shuffle;
    this.seed = String(seed ?? Math.floor(Math.random() * 2 ** 32));
    this.prefetch = prefetch;
  }

  /** Batches per epoch: ceil(samples / batchSize) (Keras's `len(iterator)`). */
  get length(): number {
    return Math.ceil(this.samples / this.batchSize);
  }

  /** The sample indices of batch `batch` (0-based, counted across epochs), and its epoch. */
  batchIndices(batch: number): { epoch: number; indices: number[] } {
    const perEpoch = this.length;
    if (perEpoch === 0) return { epoch: 0, indices: [] };
    const epoch = Math.floor(batch / perEpoch);
    const order = this.epochOrder(epoch);
    const start = (batch % perEpoch) * this.batchSize;
    return { epoch, indices: order.slice(start, start + this.batchSize) };
  }

  /** The random generator for one sample of one epoch: independent of prefetching and backends. */
  protected sampleRandom(epoch: number, position: number): Random {
    return new Random(`${this.seed}:augment:${epoch}:${position}`);
  }

  /** The asynchronous part of one batch (reading files); it must create no tensors. */
  protected abstract prepare(indices: number[], epoch: number, firstPosition: number): Promise<unknown>;

  /** Makes the batch's tensors from what `prepare` gave; undefined when every sample was skipped. */
  protected abstract assemble(prepared: unknown): Batch | undefined;

  private orderCache: { epoch: number; order: number[] } | undefined;

  private epochOrder(epoch: number): number[] {
    if (this.orderCache?.epoch === epoch) return this.orderCache.order;
    const order = Array.from({ length: this.samples }, (_, i) => i);
    if (this.shuffle) new Random(`${this.seed}:shuffle:${epoch}`).shuffle(order);
    this.orderCache = { epoch, order };
    return order;
  }

  /** Starts preparing batch number `batch` (counted across epochs). */
  private produce(batch: number): Promise<unknown> {
    const { epoch, indices } = this.batchIndices(batch);
    const first = (batch % this.length) * this.batchSize;
    return this.prepare(indices, epoch, first);
  }

  [Symbol.asyncIterator](): AsyncIterator<Batch> {
    if (this.samples === 0) {
      throw new ConvkitUsageError('This iterator has no samples to yield.');
    }
    return new PrefetchingStream(
      (k) => this.produce(k),
      (prepared) => {
        const batch = this.assemble(prepared);
        // Kept: an engine scope the consumer has open must not dispose the consumer's tensors.
        if (batch) for (const t of batch) if (t) tf.keep(t);
        return batch;
      },
      this.prefetch,
    );
  }
}

class PrefetchingStream implements AsyncIterator<Batch> {
  private nextBatch = 0;
  private readonly queue: Promise<unknown>[] = [];
  private closed = false;

  constructor(
    private readonly produce: (k: number) => Promise<unknown>,
    private readonly assemble: (prepared: unknown) => Batch | undefined,
    private readonly ahead: number,
  ) {}

  private fill(size: number): void {
    while (!this.closed && this.queue.length < size) {
      const k = this.nextBatch++;
      const p = Promise.resolve().then(() => this.produce(k));
      // A rejection is reported when the consumer reaches that batch, not as an unhandled one.
      p.catch(() => {});
      this.queue.push(p);
    }
  }

  async next(): Promise<IteratorResult<Batch>> {
    for (;;) {
      if (this.closed) return { done: true, value: undefined };
      this.fill(Math.max(1, this.ahead));
      const pending = this.queue.shift() as Promise<unknown>;
      this.fill(this.ahead);
      const batch = this.assemble(await pending);
      if (batch) return { done: false, value: batch };
    }
  }

  async return(): Promise<IteratorResult<Batch>> {
    this.closed = true;
    // Let reads in flight finish (they hold no tensors), so nothing runs after the consumer is done.
    await Promise.allSettled(this.queue.splice(0));
    return { done: true, value: undefined };
  }
}
