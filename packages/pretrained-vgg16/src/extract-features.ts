import type { BatchSource, Layer } from '@convkit/layers';
import { ConvkitUsageError } from '@convkit/tensor';
import * as tf from '@tensorflow/tfjs-core';

/** Options of {@link extractFeatures}. */
export interface ExtractFeaturesOptions {
  /** How many samples to take from the source (the chapter's sample_count). */
  samples: number;
  /** Called after each batch with the samples done so far. */
  onBatch?: (done: number, samples: number) => void;
}

/** What {@link extractFeatures} returns: the conv base's outputs and the batches' labels. */
export interface ExtractedFeatures {
  /** [samples, ...the conv base's output shape], e.g. [2000, 4, 4, 512]. */
  features: tf.Tensor;
  /** The labels that came with the batches ([samples] or [samples, ...]), when the source had any. */
  labels?: tf.Tensor;
}

/**
 * The chapter's `extract_features`: runs a (frozen) conv base over `samples` samples pulled
 * from a batch source (flowFromDirectory's endless generator, or any finite one) and returns
 * the features and labels, batch by batch, stopping once `samples` are in (the last batch is
 * cut to fit). Each batch's tensors are disposed as soon as its features are copied out, so
 * memory holds one batch plus the result. The caller owns the returned tensors.
 */
export async function extractFeatures(
  convBase: Layer,
  source: BatchSource,
  opts: ExtractFeaturesOptions,
): Promise<ExtractedFeatures> {
  const { samples } = opts;
  if (!Number.isInteger(samples) || samples <= 0) {
    throw new ConvkitUsageError(`extractFeatures: samples must be a positive integer; found ${samples}.`);
  }
  const iterator = source[Symbol.asyncIterator]();
  let features: Float32Array | undefined;
  let featureShape: number[] = [];
  let labels: Float32Array | undefined;
  let labelShape: number[] = [];
  let done = 0;
  while (done < samples) {
    const next = await iterator.next();
    if (next.done) {
      throw new ConvkitUsageError(
        `extractFeatures: the batch source ended after ${done} samples; ${samples} were asked for. Pass samples <= the source's size, or an endless source (flowFromDirectory).`,
      );
    }
    const [x, y] = next.value;
    try {
      const take = Math.min(x.shape[0], samples - done);
      const out = tf.tidy(() => convBase.apply(take < x.shape[0] ? tf.slice(x, 0, take) : x));
      try {
        if (!features) {
          featureShape = out.shape.slice(1);
          features = new Float32Array(samples * size(featureShape));
        } else if (!sameShape(out.shape.slice(1), featureShape)) {
          throw new ConvkitUsageError(
            `extractFeatures: batch features have shape [${out.shape.slice(1).join(', ')}], earlier ones [${featureShape.join(', ')}]; all images must have the same size.`,
          );
        }
        features.set((await out.data()) as Float32Array, done * size(featureShape));
      } finally {
        out.dispose();
      }
      if (y) {
        if (!labels) {
          if (done > 0)
            throw new ConvkitUsageError('extractFeatures: some batches have labels and some do not.');
          labelShape = y.shape.slice(1);
          labels = new Float32Array(samples * size(labelShape));
        }
        const values = (await y.data()) as Float32Array | Int32Array;
        labels.set(values.subarray(0, take * size(labelShape)), done * size(labelShape));
      } else if (labels) {
        throw new ConvkitUsageError('extractFeatures: some batches have labels and some do not.');
      }
      done += take;
      opts.onBatch?.(done, samples);
    } finally {
      tf.dispose([x, y].filter((t): t is tf.Tensor => t !== undefined));
    }
  }
  await iterator.return?.();
  return {
    features: tf.tensor(features as Float32Array, [samples, ...featureShape], 'float32'),
    labels: labels ? tf.tensor(labels, [samples, ...labelShape], 'float32') : undefined,
  };
}

function size(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function sameShape(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
