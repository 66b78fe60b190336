import { type ExplainableModel, filterGrid } from '@convkit/explain-activations';
import { writeFileAtomic } from '@convkit/image-io/node';
import type { Sequential } from '@convkit/layers';
import * as tf from '@tensorflow/tfjs-core';
import type { Progress } from '../ui/progress';

/** Options for one layer's grid of filter patterns. */
export interface FilterPictureOptions {
  count?: number;
  size?: number;
  steps?: number;
  /** Gradient-ascent step in pixel units (the chapter: 1). */
  stepSize?: number;
  seed?: number;
  margin?: number;
  /**
   * What the model's input is, per pixel value: 1/255 for the chapter's small convnets (trained
   * on rescaled images; the ascent then runs in 0-255 pixel units as the chapter's does), 1 for
   * models that take 0-255 input such as VGG16.
   */
  inputScale?: number;
  progress?: Progress;
}

/**
 * Gradient ascent in input space for the first `count` filters of a layer (the chapter's
 * generate_patterns_in_layer) and writes the grid to `file`; returns the picture's size.
 */
export async function writeFilterPicture(
  model: Sequential,
  layer: string,
  file: string,
  { count, size, steps, stepSize, seed, margin = 5, progress, inputScale = 1 }: FilterPictureOptions = {},
): Promise<{ layer: string; file: string; width: number; height: number; filters: number }> {
  const grid = await filterGrid(inputScale === 1 ? model : scaledInput(model, inputScale), layer, {
    count,
    size,
    steps,
    stepSize,
    seed,
    margin,
    onProgress: (p) => progress?.update(p.done),
  });
  progress?.stop();
  await writeFileAtomic(file, grid.png);
  return { layer, file, width: grid.pixels.width, height: grid.pixels.height, filters: grid.patterns.length };
}

/** The model with its input multiplied by `scale` first (pixels 0-255 -> the 0-1 it was trained on). */
export function scaledInput(model: Sequential, scale: number): ExplainableModel {
  return {
    name: model.name,
    layers: model.layers,
    inputShape: model.inputShape,
    outputShape: model.outputShape,
    layerOutputs: (x, names) => {
      const scaled = tf.mul(x, scale);
      try {
        return model.layerOutputs(scaled, names);
      } finally {
        scaled.dispose();
      }
    },
    splitAt: (name) => {
      const { head, tail } = model.splitAt(name);
      return { head: (x) => tf.tidy(() => head(tf.mul(x, scale))), tail };
    },
  };
}
