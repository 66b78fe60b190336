import { ConvkitUsageError, readSync } from '@convkit/tensor';
import type * as tf from '@tensorflow/tfjs-core';
import { IMAGENET_CLASS_INDEX } from './imagenet-class-index';

/** One decoded guess: `[wnid, class name, score]`, as Keras's decode_predictions returns it. */
export type Prediction = [wnid: string, name: string, score: number];

/** A class index like Keras's imagenet_class_index.json: entry i is `[wnid, name]` of class i. */
export type ClassIndex = readonly (readonly [string, string])[];

/** Options of {@link decodePredictions}. */
export interface DecodeOptions {
  /** How many of the highest-scoring classes to return per sample (default 5). */
  top?: number;
  /** The classes to name the scores with; default ImageNet's 1000 (Keras's imagenet_class_index.json). */
  classIndex?: ClassIndex;
}

/**
 * Keras's `decode_predictions`: for each sample of a batch of class scores [n, classes], the
 * `top` highest-scoring classes as `[wnid, name, score]`, best first. Accepts a tensor or nested
 * arrays; a tensor is read (not disposed).
 */
export function decodePredictions(preds: tf.Tensor | number[][], opts: DecodeOptions = {}): Prediction[][] {
  const { top = 5, classIndex = IMAGENET_CLASS_INDEX } = opts;
  if (!Number.isInteger(top) || top < 1) {
    throw new ConvkitUsageError(`decodePredictions: top must be a positive integer; found ${top}.`);
  }
  const classes = classIndex.length;
  const { shape, rows } = readRows(preds);
  if (shape.length !== 2 || shape[1] !== classes) {
    throw new ConvkitUsageError(
      `decodePredictions expects a batch of predictions, a 2D array of shape (samples, ${classes}); found shape (${shape.join(', ')}).` +
        (shape.length === 1 && shape[0] === classes
          ? ' Add the batch dimension (tf.expandDims(preds, 0)).'
          : ''),
    );
  }
  return rows.map((row) =>
    Array.from({ length: row.length }, (_, i) => i)
      .sort((a, b) => row[b] - row[a] || a - b)
      .slice(0, top)
      .map((i): Prediction => [classIndex[i][0], classIndex[i][1], row[i]]),
  );
}

function readRows(preds: tf.Tensor | number[][]): { shape: number[]; rows: ArrayLike<number>[] } {
  if (Array.isArray(preds)) {
    const width = Array.isArray(preds[0]) ? preds[0].length : -1;
    if (preds.some((r) => !Array.isArray(r) || r.length !== width)) {
      const shape = preds.length && !Array.isArray(preds[0]) ? [preds.length] : [preds.length, -1];
      return { shape, rows: [] };
    }
    return { shape: [preds.length, width], rows: preds };
  }
  if (preds.rank !== 2) return { shape: preds.shape, rows: [] };
  const [n, c] = preds.shape;
  const data = readSync(preds, 'decodePredictions', 'Pass await preds.array() instead of the tensor.');
  return { shape: preds.shape, rows: Array.from({ length: n }, (_, i) => data.subarray(i * c, (i + 1) * c)) };
}
