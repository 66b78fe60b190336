import type { BatchSource, Layer } from '@convkit/layers';
import {
  type Conv2dTuning,
  ConvkitUsageError,
  type TuneConv2dOptions,
  tuneWebgpuConv2d,
} from '@convkit/tensor';
import * as tf from '@tensorflow/tfjs-core';

/** Options of {@link extractFeatures}. */
export interface ExtractFeaturesOptions {
  /** How many samples to take from the source (the chapter's sample_count). */
  samples: number;
  /** Called after each batch with the samples done so far. */
  onBatch?: (done: number, samples: number) => void;
  /**
   * On webgpu: before the first batch's pass, time each of convkit's conv2d kernels for every
   * layer shape of the conv base at that batch's size (@convkit/tensor's `tuneWebgpuConv2d`,
   * with these options when an object), so that the passes run the fastest on this GPU. It takes
   * a few seconds per distinct layer shape, repaid over many batches. Ignored on other backends.
   */
  tuneConv2d?: boolean | TuneConv2dOptions;
}

/** What {@link extractFeatures} returns: the conv base's outputs and the batches' labels. */
export interface ExtractedFeatures {
  /** [samples, ...the conv base's output shape], e.g. [2000, 4, 4, 512]. */
  features: tf.Tensor;
  /** The labels that came with the batches ([samples] or [samples, ...]), when the source had any. */
  labels?: tf.Tensor;
  /** What `tuneConv2d` measured and chose, layer shape by layer shape, when it ran. */
  conv2dTunings?: Conv2dTuning[];
}

/** A batch whose features (and labels) are on their way back from the backend. */
interface InFlight {
  /** Where its samples go in the result. */
  at: number;
  take: number;
  features: Promise<tf.backend_util.BackendValues>;
  labels?: Promise<tf.backend_util.BackendValues>;
  /** The tensors the reads come from, disposed once they are in. */
  tensors: tf.Tensor[];
}

/**
 * The chapter's `extract_features`: runs a (frozen) conv base over `samples` samples pulled
 * from a batch source (flowFromDirectory's endless generator, or any finite one) and returns
 * the features and labels, batch by batch, stopping once `samples` are in (the last batch is
 * cut to fit). A batch's read-back starts as soon as its forward pass is queued and is awaited
 * only after the next batch's pass is queued, so that a GPU never idles waiting for the CPU.
 * Memory holds two batches plus the result. The caller owns the returned tensors.
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
  let queued = 0;
  let inFlight: InFlight | undefined;
  let conv2dTunings: Conv2dTuning[] | undefined;
  const land = async (batch: InFlight) => {
    try {
      features!.set((await batch.features) as Float32Array, batch.at * size(featureShape));
      if (batch.labels) {
        const values = (await batch.labels) as Float32Array | Int32Array;
        labels!.set(values.subarray(0, batch.take * size(labelShape)), batch.at * size(labelShape));
      }
    } finally {
      tf.dispose(batch.tensors);
    }
    opts.onBatch?.(batch.at + batch.take, samples);
  };
  try {
    while (queued < samples) {
      const next = await iterator.next();
      if (next.done) {
        throw new ConvkitUsageError(
          `extractFeatures: the batch source ended after ${queued} samples; ${samples} were asked for. Pass samples <= the source's size, or an endless source (flowFromDirectory).`,
        );
      }
      const [x, y] = next.value;
      let out: tf.Tensor;
      const take = Math.min(x.shape[0], samples - queued);
      const pass = () => convBase.apply(take < x.shape[0] ? tf.slice(x, 0, take) : x);
      try {
        if (opts.tuneConv2d && queued === 0 && tf.getBackend() === 'webgpu') {
          conv2dTunings = await tuneWebgpuConv2d(pass, opts.tuneConv2d === true ? {} : opts.tuneConv2d);
        }
        out = tf.tidy(pass);
      } catch (e) {
        tf.dispose([x, y].filter((t): t is tf.Tensor => t !== undefined));
        throw e;
      }
      tf.dispose(x);
      const batch: InFlight = { at: queued, take, features: out.data(), tensors: [out] };
      if (y) batch.tensors.push(y);
      if (!features) {
        featureShape = out.shape.slice(1);
        features = new Float32Array(samples * size(featureShape));
      } else if (!sameShape(out.shape.slice(1), featureShape)) {
        await settle(batch);
        throw new ConvkitUsageError(
          `extractFeatures: batch features have shape [${out.shape.slice(1).join(', ')}], earlier ones [${featureShape.join(', ')}]; all images must have the same size.`,
        );
      }
      if (y) {
        if (!labels) {
          if (queued > 0) {
            await settle(batch);
            throw new ConvkitUsageError('extractFeatures: some batches have labels and some do not.');
          }
          labelShape = y.shape.slice(1);
          labels = new Float32Array(samples * size(labelShape));
        }
        batch.labels = y.data();
      } else if (labels) {
        await settle(batch);
        throw new ConvkitUsageError('extractFeatures: some batches have labels and some do not.');
      }
      queued += take;
      // This batch's pass is queued: now wait for the previous batch's values.
      const previous = inFlight;
      inFlight = batch;
      if (previous) await land(previous);
    }
    const last = inFlight;
    inFlight = undefined;
    if (last) await land(last);
  } finally {
    if (inFlight) await settle(inFlight);
  }
  await iterator.return?.();
  return {
    features: tf.tensor(features as Float32Array, [samples, ...featureShape], 'float32'),
    labels: labels ? tf.tensor(labels, [samples, ...labelShape], 'float32') : undefined,
    ...(conv2dTunings && { conv2dTunings }),
  };
}

/** Waits for a batch's reads to finish (whatever they give) and frees its tensors. */
async function settle(batch: InFlight): Promise<void> {
  await Promise.allSettled([batch.features, batch.labels]);
  tf.dispose(batch.tensors);
}

function size(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function sameShape(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
