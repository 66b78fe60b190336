import { type H5File, type H5Group, kerasWeightsGroup, type Layer, Sequential } from '@convkit/layers';
import * as tf from '@tensorflow/tfjs-core';
import { VGG16_TOP_LAYERS } from './architecture';

/** What {@link loadKerasWeightsInto} did: the layers it filled, in order, and the values read. */
export interface LoadReport {
  layers: string[];
  values: number;
}

/**
 * Loads Keras HDF5 weights (the layout of `model.save_weights`, as in Keras's VGG16 files) into
 * a model, layer by layer, the way Keras's `load_weights` does: the file's `layer_names` that
 * carry weights are matched in order with the model's layers that carry weights, each group's
 * `weight_names` in order with the layer's weights (kernel, bias). Unlike Keras it also checks
 * that the names agree, and says which file variant is which when the classifier is missing
 * on one side. Each layer's arrays are read from the file, copied into the layer's variables
 * and dropped before the next layer is read, so the whole file is never held twice.
 */
export function loadKerasWeightsInto(model: Sequential, h5: H5File | H5Group): LoadReport {
  const group = kerasWeightsGroup(h5);
  const source = group.file.source;
  const fileLayers = (group.stringListAttribute('layer_names') ?? []).filter(
    (name) => group.has(name) && (group.group(name).stringListAttribute('weight_names') ?? []).length > 0,
  );
  const modelLayers = weightedLayers(model);
  const modelNames = modelLayers.map((l) => l.name);
  checkVariant(source, fileLayers, modelNames, model.name);
  modelLayers.forEach((layer, i) => {
    if (fileLayers[i] !== layer.name) {
      throw new Error(
        `${source}: layer ${i + 1} with weights is '${fileLayers[i]}' in the file but '${layer.name}' in model ${model.name}. ` +
          `The file's layers are ${fileLayers.join(', ')}; the model's are ${modelNames.join(', ')}. Is this a VGG16 weights file?`,
      );
    }
  });
  let values = 0;
  for (const layer of modelLayers) values += loadLayer(source, group.group(layer.name), layer);
  return { layers: modelNames, values };
}

/** The model's layers that own weights, depth first through nested models, in order. */
function weightedLayers(model: Sequential): Layer[] {
  return model.layers.flatMap((l) =>
    l instanceof Sequential ? weightedLayers(l) : l.weights.length > 0 ? [l] : [],
  );
}

function checkVariant(source: string, fileLayers: string[], modelNames: string[], modelName: string): void {
  if (fileLayers.length === modelNames.length) return;
  const hasTop = (names: string[]) => VGG16_TOP_LAYERS.every((n) => names.includes(n));
  const list = (names: string[]) => `${names.length} (${names[0]} ... ${names[names.length - 1]})`;
  if (hasTop(fileLayers) && !hasTop(modelNames)) {
    throw new Error(
      `${source} holds VGG16 with its classifier (fc1, fc2, predictions: Keras's include_top=True file, vgg16_weights_tf_dim_ordering_tf_kernels.h5), ` +
        `but model ${modelName} was built without it. Build with includeTop: true, or use the conv-base file vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5.`,
    );
  }
  if (!hasTop(fileLayers) && hasTop(modelNames)) {
    throw new Error(
      `${source} holds only VGG16's convolutional base (Keras's include_top=False file, vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5), ` +
        `but model ${modelName} has the classifier (fc1, fc2, predictions). Build with includeTop: false, or use vgg16_weights_tf_dim_ordering_tf_kernels.h5.`,
    );
  }
  throw new Error(
    `${source} has ${list(fileLayers)} layers with weights; model ${modelName} has ${list(modelNames)}. ` +
      `File layers: ${fileLayers.join(', ')}. Model layers: ${modelNames.join(', ')}.`,
  );
}

function loadLayer(source: string, group: H5Group, layer: Layer): number {
  const names = group.stringListAttribute('weight_names') ?? [];
  const targets = layer.weights;
  if (names.length !== targets.length) {
    throw new Error(
      `${source}: layer ${layer.name} has ${names.length} weight(s) in the file (${names.join(', ')}) but ${targets.length} in the model (${targets.map((w) => w.name).join(', ')}).`,
    );
  }
  let values = 0;
  names.forEach((name, i) => {
    const dataset = group.dataset(name);
    const expected = targets[i].shape;
    const found = dataset.shape;
    if (found.length !== expected.length || found.some((d, k) => d !== expected[k])) {
      const hint =
        layer.name === 'fc1'
          ? ' fc1 depends on the input size: the ImageNet classifier needs inputShape [224, 224, 3].'
          : '';
      throw new Error(
        `${source}: weight ${name} of layer ${layer.name} has shape [${found.join(', ')}] in the file; the model expects [${expected.join(', ')}].${hint}`,
      );
    }
    const data = readValues(source, layer.name, name, () => dataset.float32());
    // tf.tensor on the cpu backend keeps `data`; on wasm/webgl it copies it into the backend.
    const t = tf.tensor(data, expected, 'float32');
    targets[i].variable.assign(t);
    t.dispose();
    values += data.length;
  });
  return values;
}

function readValues(source: string, layer: string, weight: string, read: () => Float32Array): Float32Array {
  try {
    return read();
  } catch (error) {
    throw new Error(
      `Reading weight ${weight} of layer ${layer} from ${source} failed: ${(error as Error).message} ` +
        `A truncated file (an interrupted download) reads like this; download it again.`,
      { cause: error },
    );
  }
}
