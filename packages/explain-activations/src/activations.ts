import { ConvkitUsageError, type ImageInput, type InputOptions, toModelInput } from '@convkit/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { allLayers, type ExplainableModel, findLayer, isConvOrPooling } from './model';

/** One layer's output for a batch of images, as plain data (nothing to dispose). */
export interface LayerActivation {
  layerName: string;
  /** The layer's Keras class name ('Conv2D', 'MaxPooling2D', ...). */
  className: string;
  /** [batch, height, width, channels] for conv and pooling layers; the layer's output shape otherwise. */
  shape: number[];
  /** The values, row-major in `shape` order (NHWC). */
  data: Float32Array;
}

/** Options of {@link activations}. */
export interface ActivationsOptions extends InputOptions {
  /** The layers to read, by name. Default: every conv and pooling layer (spatial output), in model order. */
  layers?: string[];
}

/** The names of the model's conv and pooling layers (nested models' too), in order: the default of {@link activations}. */
export function convAndPoolingLayerNames(model: ExplainableModel): string[] {
  return allLayers(model)
    .filter(isConvOrPooling)
    .map((l) => l.name);
}

/**
 * The outputs of the named layers (default: every conv and pooling layer) for one image or a
 * batch, computed in one forward pass, as the chapter's `activation_model.predict(img_tensor)`.
 */
export async function activations(
  model: ExplainableModel,
  image: ImageInput,
  { layers, ...input }: ActivationsOptions = {},
): Promise<LayerActivation[]> {
  const names = layers ?? convAndPoolingLayerNames(model);
  if (names.length === 0) {
    throw new ConvkitUsageError(
      `activations: model '${model.name}' has no conv or pooling layer; name the layers to read with { layers: [...] }.`,
    );
  }
  const found = names.map((n) => findLayer(model, n, 'activations'));
  const outputs = tf.tidy(() => model.layerOutputs(toModelInput(model, image, input, 'activations'), names));
  try {
    const data = await Promise.all(outputs.map((t) => t.data<'float32'>()));
    return found.map((layer, i) => ({
      layerName: layer.name,
      className: layer.className,
      shape: outputs[i].shape.slice(),
      data: data[i] as Float32Array,
    }));
  } finally {
    tf.dispose(outputs);
  }
}
