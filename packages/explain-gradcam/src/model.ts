import { ConvkitUsageError } from '@convkit/tensor';
import type * as tf from '@tensorflow/tfjs-core';

/** A Keras-style shape: the batch dimension (and any free dimension) is `null`. */
export type Shape = (number | null)[];

/** The parts of a @convkit/layers layer Grad-CAM reads. */
export interface LayerLike {
  readonly name: string;
  /** Keras class name: 'Conv2D', 'MaxPooling2D', 'Dense', 'Activation', ... */
  readonly className: string;
  readonly outputShape: Shape;
  /** Present on nested models (a Sequential used as a layer). */
  readonly layers?: LayerLike[];
  apply(x: tf.Tensor, opts?: { training?: boolean }): tf.Tensor;
  /** Keras JSON config (`activation`, `use_bias`, ...). */
  getConfig(): Record<string, unknown>;
  /** Weights in Keras order (kernel, bias). */
  readonly weights: { variable: tf.Tensor }[];
  /** Present on nested models. */
  splitAt?(name: string): { head(x: tf.Tensor): tf.Tensor; tail(h: tf.Tensor): tf.Tensor };
}

/**
 * The parts of a @convkit/layers `Sequential` Grad-CAM uses. Any model with these members
 * works, so a `Sequential` can be passed as it is.
 */
export interface GradCamModel {
  readonly name: string;
  readonly layers: LayerLike[];
  readonly inputShape: Shape;
  readonly outputShape: Shape;
  /** `head`: model input -> the named layer's output; `tail`: that output -> model output. */
  splitAt(name: string): { head(x: tf.Tensor): tf.Tensor; tail(h: tf.Tensor): tf.Tensor };
}

/** Every layer, nested models' layers included (each right after its model), in order. */
export function allLayers(model: { layers?: LayerLike[] }): LayerLike[] {
  return (model.layers ?? []).flatMap((l) => (l.layers ? [l, ...allLayers(l)] : [l]));
}

/** True when a layer's output is a feature map [batch, height, width, channels]. */
export function hasSpatialOutput(layer: LayerLike): boolean {
  return layer.outputShape.length === 4;
}

/** A shape as Keras prints it: `(None, 7, 7, 512)`. */
export function formatShape(shape: Shape): string {
  return `(${shape.map((d) => (d === null ? 'None' : String(d))).join(', ')})`;
}

/** The default Grad-CAM layer: the last convolution with a spatial output (VGG16: block5_conv3). */
export function lastConvLayer(model: GradCamModel): LayerLike {
  const convs = allLayers(model).filter((l) => hasSpatialOutput(l) && /Conv/.test(l.className));
  const last = convs.at(-1);
  if (!last) {
    const spatial = allLayers(model).filter(hasSpatialOutput);
    throw new ConvkitUsageError(
      `gradCam: model '${model.name}' has no conv layer; pass { layerName } naming a layer with a feature-map output` +
        (spatial.length ? ` (${spatial.map((l) => l.name).join(', ')}).` : '; it has none.'),
    );
  }
  return last;
}

/**
 * The named layer, which must have a feature-map output, or an error listing the valid names
 * (top-level names first, then nested models', as `Sequential.getLayer`).
 */
export function findFeatureLayer(model: GradCamModel, name: string): LayerLike {
  const layers = allLayers(model);
  const layer = model.layers.find((l) => l.name === name) ?? layers.find((l) => l.name === name);
  if (!layer) {
    throw new ConvkitUsageError(
      `gradCam: model '${model.name}' has no layer named '${name}'. Its layers are: ${layers.map((l) => l.name).join(', ')}.`,
    );
  }
  if (!hasSpatialOutput(layer)) {
    throw new ConvkitUsageError(
      `gradCam: layer '${name}' (${layer.className}) has output shape ${formatShape(layer.outputShape)}, not a feature map ` +
        `[batch, height, width, channels], so it has no spatial heatmap. Use a conv or pooling layer: ${layers
          .filter(hasSpatialOutput)
          .map((l) => l.name)
          .join(', ')}.`,
    );
  }
  return layer;
}
