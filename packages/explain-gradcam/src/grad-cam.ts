import { ConvkitUsageError, type ImageInput, type InputOptions, toModelInput } from '@convkit/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { gradCamFromFeatures } from './heatmap-math';
import { findFeatureLayer, type GradCamModel, lastConvLayer } from './model';
import { scoreFunction } from './score';

/** A heatmap: row-major values in 0-1, one per position of the layer's feature map. */
export interface Heatmap {
  width: number;
  height: number;
  data: Float32Array;
}

/** Options of {@link gradCam}. */
export interface GradCamOptions extends InputOptions {
  /** The conv layer whose output is weighted. Default: the last conv layer (VGG16: block5_conv3). */
  layerName?: string;
  /** The class to explain, one for all images or one per image. Default: each image's top prediction. */
  classIndex?: number | number[];
  /**
   * Take the class score before the final softmax (or sigmoid), as keras.io's Grad-CAM example.
   * Default false: the model's output, as the chapter (`model.output[:, 386]`).
   */
  logits?: boolean;
}

/** Grad-CAM heatmaps for a batch, with the class each one explains. */
export interface GradCamResult {
  layerName: string;
  /** One heatmap per image. */
  heatmaps: Heatmap[];
  /** The first image's heatmap. */
  heatmap: Heatmap;
  /** The class explained for each image. */
  classIndices: number[];
  /** Each image's score of its class (a probability, or a logit with `logits: true`). */
  scores: number[];
}

/**
 * Grad-CAM (Selvaraju et al.), as the chapter computes it for VGG16's block5_conv3: the gradient
 * of the class score with respect to the layer's output, averaged over space into one weight per
 * channel; the channel mean of the weighted output; ReLU; divided by its maximum. For one image
 * or a batch; returns plain data, so nothing needs disposing.
 */
export async function gradCam(
  model: GradCamModel,
  image: ImageInput,
  { layerName, classIndex, logits = false, ...input }: GradCamOptions = {},
): Promise<GradCamResult> {
  const layer = layerName === undefined ? lastConvLayer(model) : findFeatureLayer(model, layerName);
  const classes = model.outputShape.at(-1);
  const score = scoreFunction(model, layer.name, { logits });
  const { head } = model.splitAt(layer.name);
  const x = tf.tidy(() => toModelInput(model, image, input, 'gradCam'));
  let features: tf.Tensor4D | undefined;
  try {
    features = tf.tidy(() => head(x)) as tf.Tensor4D;
    const n = features.shape[0];
    const indices = await resolveClasses(classIndex, n, classes ?? undefined, features, score);
    const { heatmaps, scores } = gradCamFromFeatures(features, score, indices);
    const [h, w] = heatmaps.shape.slice(1);
    const [maps, scoreValues] = await Promise.all([heatmaps.data(), scores.data()]);
    const k = scores.shape[1];
    tf.dispose([heatmaps, scores]);
    const list = indices.map((_, i) => ({
      width: w,
      height: h,
      data: (maps as Float32Array).slice(i * h * w, (i + 1) * h * w),
    }));
    return {
      layerName: layer.name,
      heatmaps: list,
      heatmap: list[0],
      classIndices: indices,
      scores: indices.map((c, i) => scoreValues[i * k + c]),
    };
  } finally {
    tf.dispose(features);
    // x may be the caller's own tensor: dispose only what toModelInput made.
    if (x !== image) tf.dispose(x);
  }
}

async function resolveClasses(
  classIndex: number | number[] | undefined,
  n: number,
  classes: number | undefined,
  features: tf.Tensor4D,
  score: (f: tf.Tensor) => tf.Tensor,
): Promise<number[]> {
  if (classIndex === undefined) {
    const top = tf.tidy(() => tf.argMax(score(features), 1));
    const values = Array.from(await top.data());
    top.dispose();
    return values;
  }
  const list = Array.isArray(classIndex) ? classIndex : Array.from({ length: n }, () => classIndex);
  if (list.length !== n) {
    throw new ConvkitUsageError(
      `gradCam: got ${list.length} class indices for a batch of ${n} images; give one, or one per image.`,
    );
  }
  for (const c of list) {
    if (!Number.isInteger(c) || c < 0 || (classes !== undefined && c >= classes)) {
      throw new ConvkitUsageError(
        `gradCam: class index ${c} is out of range; the model has ${classes ?? 'an unknown number of'} classes (0 to ${(classes ?? 0) - 1}).`,
      );
    }
  }
  return list;
}
