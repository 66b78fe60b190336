import { ConvkitUsageError, readSyncOrAsync } from '@convkit/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { type Batch, BatchIterator, type IteratorOptions } from './batch-iterator';
import type { ImageDataGenerator } from './image-data-generator';

/** Options of `flow(x, y)`. */
export interface FlowOptions extends IteratorOptions {
  /** With the generator's validationSplit: 'validation' takes the first fraction of x, 'training' the rest. */
  subset?: 'training' | 'validation';
}

/**
 * Keras's NumpyArrayIterator for tensors: batches of randomly transformed, standardised images from
 * x [n, h, w, c] (0-255 values) with the matching rows of y. The caller keeps ownership of x and y.
 */
export class ArrayIterator extends BatchIterator {
  /** The rows of x this iterator draws from (all of x, or its subset). */
  private readonly start: number;
  private readonly x: tf.Tensor4D;
  private readonly y: tf.Tensor | undefined;
  private readonly generator: ImageDataGenerator;
  /** The check that both subsets have the same classes, where y could not be read at once (webgpu in node). */
  private readonly pendingClassCheck: Promise<void> | undefined;

  constructor(generator: ImageDataGenerator, x: tf.Tensor4D, y: tf.Tensor | undefined, options: FlowOptions) {
    if (!(x instanceof tf.Tensor) || x.rank !== 4) {
      throw new ConvkitUsageError(
        `flow: x must be a tensor of images [n, height, width, channels], got ${x instanceof tf.Tensor ? `shape [${x.shape.join(', ')}]` : typeof x}.`,
      );
    }
    if (![1, 3, 4].includes(x.shape[3])) {
      generator.warn(
        `flow: expected 1, 3 or 4 channels on the last axis, got shape [${x.shape.join(', ')}].`,
      );
    }
    if (y !== undefined && y.shape[0] !== x.shape[0]) {
      throw new ConvkitUsageError(
        `flow: x and y must have the same number of rows, got ${x.shape[0]} and ${y.shape[0]}.`,
      );
    }
    const n = x.shape[0];
    let start = 0;
    let end = n;
    let classCheck: Promise<void> | undefined;
    const split = generator.options.validationSplit;
    if (options.subset !== undefined) {
      if (options.subset !== 'training' && options.subset !== 'validation') {
        throw new ConvkitUsageError(
          `flow: subset must be 'training' or 'validation', got ${JSON.stringify(options.subset)}.`,
        );
      }
      if (!split) {
        throw new ConvkitUsageError(
          `flow: subset '${options.subset}' needs validationSplit > 0 in the generator's options.`,
        );
      }
      const splitIndex = Math.floor(n * split);
      if (y !== undefined) classCheck = checkSameClasses(y, splitIndex);
      if (options.subset === 'validation') end = splitIndex;
      else start = splitIndex;
    }
    super(end - start, options, 'flow');
    this.start = start;
    this.x = x;
    this.y = y;
    this.generator = generator;
    // Awaited by each batch; handled here so that a failure before the first batch is not unhandled.
    classCheck?.catch(() => {});
    this.pendingClassCheck = classCheck;
  }

  protected async prepare(indices: number[], epoch: number, firstPosition: number): Promise<unknown> {
    await this.pendingClassCheck;
    return { indices, epoch, firstPosition };
  }

  protected assemble(prepared: unknown): Batch {
    const { indices, epoch, firstPosition } = prepared as {
      indices: number[];
      epoch: number;
      firstPosition: number;
    };
    const rows = indices.map((i) => i + this.start);
    return tf.tidy(() => {
      const picked = tf.gather(this.x, rows);
      const images = tf.unstack(picked) as tf.Tensor3D[];
      const bx = tf.stack(
        images.map((img, k) => this.generator.augment(img, this.sampleRandom(epoch, firstPosition + k))),
      );
      const out: tf.Tensor[] = [bx];
      if (this.y) out.push(tf.cast(tf.gather(this.y, rows), 'float32'));
      return out;
    }) as Batch;
  }
}

/**
 * Throws when the rows before and after splitIndex hold different classes (labels sorted by
 * class, so a subset misses some): at once where y reads synchronously, else through the
 * returned promise, which the first batch awaits (the webgpu backend in node).
 */
function checkSameClasses(y: tf.Tensor, splitIndex: number): Promise<void> | undefined {
  const rows = y.shape[0];
  const width = y.size / Math.max(rows, 1);
  const check = (values: tf.TypedArray) => {
    const classesOf = (from: number, to: number) => {
      const seen = new Set<string>();
      for (let r = from; r < to; r++)
        seen.add(Array.from(values.subarray(r * width, (r + 1) * width)).join(','));
      return [...seen].sort().join(';');
    };
    if (classesOf(0, splitIndex) !== classesOf(splitIndex, rows)) {
      throw new ConvkitUsageError(
        'flow: the training and validation subsets have different classes after the split. If x and y are sorted by label, shuffle them first.',
      );
    }
  };
  const values = readSyncOrAsync([y]);
  if (values instanceof Promise) return values.then(([v]) => check(v));
  check(values[0]);
  return undefined;
}
