import { ConvkitUsageError } from '@convkit/tensor';
import type * as tf from '@tensorflow/tfjs-core';

/** A Keras-style shape: the batch dimension (and any free dimension) is `null`. */
export type Shape = (number | null)[];

/** The parts of a @convkit/layers layer these tools read. */
export interface LayerLike {
  readonly name: string;
  /** Keras class name: 'Conv2D', 'MaxPooling2D', 'Dense', ... */
  readonly className: string;
  readonly outputShape: Shape;
  /** Present on nested models (a Sequential used as a layer). */
  readonly layers?: LayerLike[];
}

/**
 * The parts of a @convkit/layers `Sequential` these tools use. Any model with these members
 * works, so a `Sequential` can be passed as it is.
 */
export interface ExplainableModel {
  readonly name: string;
  readonly layers: LayerLike[];
  readonly inputShape: Shape;
  readonly outputShape: Shape;
  /** The outputs of the named layers, computed in one forward pass. */
  layerOutputs(x: tf.Tensor, names: string[]): tf.Tensor[];
  /** `head`: model input -> the named layer's output; `tail`: that output -> model output. */
  splitAt(name: string): { head(x: tf.Tensor): tf.Tensor; tail(h: tf.Tensor): tf.Tensor };
}

/** True when a layer's output is a feature map [batch, height, width, channels]. */
export function hasSpatialOutput(layer: LayerLike): boolean {
  return layer.outputShape.length === 4;
}

/** True for the layers the chapter looks at: convolutions and poolings with a spatial output. */
export function isConvOrPooling(layer: LayerLike): boolean {
  return hasSpatialOutput(layer) && /Conv|Pool/.test(layer.className);
}

/** Every layer, nested models' layers included (each right after its model), in order. */
export function allLayers(model: { layers?: LayerLike[] }): LayerLike[] {
  return (model.layers ?? []).flatMap((l) => (l.layers ? [l, ...allLayers(l)] : [l]));
}

/**
 * The model's layer called `name` (top-level names first, then nested models', as
 * `Sequential.getLayer`); otherwise an error (from `what`) that lists the valid names.
 */
export function findLayer(model: ExplainableModel, name: string, what: string): LayerLike {
  const layer = model.layers.find((l) => l.name === name) ?? allLayers(model).find((l) => l.name === name);
  if (!layer) {
    throw new ConvkitUsageError(
      `${what}: model '${model.name}' has no layer named '${name}'. Its layers are: ${allLayers(model)
        .map((l) => l.name)
        .join(', ')}.`,
    );
  }
  return layer;
}

/** A layer with a spatial output, or an error that says which layers have one. */
export function findSpatialLayer(model: ExplainableModel, name: string, what: string): LayerLike {
  const layer = findLayer(model, name, what);
  if (!hasSpatialOutput(layer)) {
    const spatial = allLayers(model)
      .filter(hasSpatialOutput)
      .map((l) => l.name);
    throw new ConvkitUsageError(
      `${what}: layer '${name}' (${layer.className}) has output shape ${formatShape(layer.outputShape)}, ` +
        `not a feature map [batch, height, width, channels]. Layers with one: ${spatial.join(', ') || 'none'}.`,
    );
  }
  return layer;
}

/** A shape as Keras prints it: `(None, 7, 7, 512)`. */
export function formatShape(shape: Shape): string {
  return `(${shape.map((d) => (d === null ? 'None' : String(d))).join(', ')})`;
}
