/**
 * Puts weights read from a Keras HDF5 file (readKerasWeights) into a convkit model, as
 * Keras's load_weights does, checking every layer, count and shape first so that a bad file
 * changes nothing.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Layer, LayerWeight } from '../core/layer';
import { ModelFormatError } from './errors';
import type { KerasLayerWeights, KerasWeight } from './keras-weights';

/** Options of `applyKerasWeights`. */
export interface ApplyKerasWeightsOptions {
  /**
   * 'name' (default): pair the model's layers with the file's by layer name, as
   * `load_model` files and by_name=True do. 'order': pair them in order, counting only layers
   * that have weights, as Keras's `load_weights(path)` does (for files whose layer names differ).
   */
  match?: 'name' | 'order';
  /** Names this source in errors (a file path). */
  source?: string;
}

/**
 * Sets the weights of `model`'s layers (a nested model counts as one layer holding all its
 * layers' weights, as Keras stores it) from `layers`. Within a layer, weights are paired by
 * name when the file's names match the model's (Keras may store a partly frozen nested model's
 * trainable weights first), otherwise in order. Throws ModelFormatError, changing nothing,
 * when a layer is missing, a count differs or a shape differs; the message says what was
 * expected and what was found.
 */
export function applyKerasWeights(
  model: Layer & { layers?: Layer[] },
  layers: KerasLayerWeights[],
  opts: ApplyKerasWeightsOptions = {},
): void {
  const source = opts.source ?? 'the weights file';
  const modelLayers = (model.layers ?? [model]).filter((l) => l.weights.length > 0);
  const fileLayers = layers.filter((l) => l.weights.length > 0);
  const pairs: [Layer, KerasLayerWeights][] = [];
  if ((opts.match ?? 'name') === 'order') {
    if (modelLayers.length !== fileLayers.length) {
      throw new ModelFormatError(
        `${source} has ${fileLayers.length} layer(s) with weights (${names(fileLayers.map((l) => l.layerName))}); ` +
          `model ${model.name} has ${modelLayers.length} (${names(modelLayers.map((l) => l.name))}).`,
      );
    }
    for (let i = 0; i < modelLayers.length; i++) pairs.push([modelLayers[i], fileLayers[i]]);
  } else {
    const byName = new Map(layers.map((l) => [l.layerName, l]));
    for (const layer of modelLayers) {
      const entry = byName.get(layer.name);
      if (!entry) {
        throw new ModelFormatError(
          `${source} has no weights for layer '${layer.name}' (${layer.className}, ${layer.weights.length} ` +
            `weight(s)) of model ${model.name}; the file's layers with weights are: ` +
            `${names(fileLayers.map((l) => l.layerName))}.`,
        );
      }
      pairs.push([layer, entry]);
    }
    const used = new Set(pairs.map(([, e]) => e.layerName));
    const extra = fileLayers.filter((l) => !used.has(l.layerName));
    if (extra.length) {
      throw new ModelFormatError(
        `${source} has weights for layer(s) ${names(extra.map((l) => l.layerName))} that model ${model.name} ` +
          `does not have; its layers with weights are: ${names(modelLayers.map((l) => l.name))}.`,
      );
    }
  }
  const plan = pairs.flatMap(([layer, entry]) => planLayer(layer, entry, source));
  for (const [weight, stored] of plan) {
    const t = tf.tensor(stored.values, stored.shape, 'float32');
    weight.variable.assign(t);
    t.dispose();
  }
}

/** Pairs one layer's weights with the file's and checks counts and shapes. */
function planLayer(layer: Layer, entry: KerasLayerWeights, source: string): [LayerWeight, KerasWeight][] {
  const weights = layer.weights;
  const stored = entry.weights;
  if (weights.length !== stored.length) {
    throw new ModelFormatError(
      `${source}: layer '${entry.layerName}' has ${stored.length} weight(s) in the file ` +
        `(${names(stored.map((w) => w.name))}) but layer '${layer.name}' (${layer.className}) of the model has ` +
        `${weights.length} (${names(weights.map((w) => w.name))}).`,
    );
  }
  const modelNames = new Map(weights.map((w) => [w.name, w]));
  const byName = stored.map((s) => modelNames.get(s.name.replace(/:\d+$/, '')));
  const named = byName.every((w) => w) && new Set(byName).size === weights.length;
  return stored.map((s, i) => {
    const weight = named ? byName[i]! : weights[i];
    const expected = weight.shape;
    if (expected.length !== s.shape.length || expected.some((d, k) => d !== s.shape[k])) {
      throw new ModelFormatError(
        `${source}: weight ${s.name} of layer '${entry.layerName}' has shape [${s.shape.join(', ')}] in the file, ` +
          `but the model's ${weight.name} (${layer.className} '${layer.name}') expects [${expected.join(', ')}].`,
      );
    }
    return [weight, s] as [LayerWeight, KerasWeight];
  });
}

function names(list: string[]): string {
  return list.length ? list.join(', ') : '(none)';
}
