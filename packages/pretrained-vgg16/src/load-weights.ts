import {
  type H5Dataset,
  type H5File,
  type H5Group,
  type Initializer,
  kerasWeightsGroup,
  type Layer,
  Sequential,
} from '@convkit/layers';
import { ConvkitUsageError } from '@convkit/tensor';
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
  const fileLayers = weightedFileLayers(group);
  const modelLayers = weightedLayers(model);
  const modelNames = modelLayers.map((l) => l.name);
  checkLayerNames(source, fileLayers, modelNames, model.name);
  let values = 0;
  for (const layer of modelLayers) values += loadLayer(source, group.group(layer.name), layer);
  return { layers: modelNames, values };
}

/** Layers of the file that carry weights, in the file's `layer_names` order. */
function weightedFileLayers(group: H5Group): string[] {
  return (group.stringListAttribute('layer_names') ?? []).filter(
    (name) => group.has(name) && (group.group(name).stringListAttribute('weight_names') ?? []).length > 0,
  );
}

function checkLayerNames(
  source: string,
  fileLayers: string[],
  modelNames: string[],
  modelName: string,
): void {
  checkVariant(source, fileLayers, modelNames, modelName);
  modelNames.forEach((name, i) => {
    if (fileLayers[i] !== name) {
      throw new ConvkitUsageError(
        `${source}: layer ${i + 1} with weights is '${fileLayers[i]}' in the file but '${name}' in model ${modelName}. ` +
          `The file's layers are ${fileLayers.join(', ')}; the model's are ${modelNames.join(', ')}. Is this a VGG16 weights file?`,
      );
    }
  });
}

/**
 * Checks a Keras weights file against the layers and weight shapes a model will have (names,
 * variant, counts, shapes: nothing is read but the layout), then returns initializers that read
 * each weight from the file while the model is built. The weights are then made straight from
 * the file's values, one at a time, with no second copy of the model in memory (no zeros first).
 */
export function fileInitializers(
  h5: H5File | H5Group,
  expected: [layer: string, shapes: number[][]][],
  modelName: string,
): (layer: string, weight: 'kernel' | 'bias') => Initializer {
  const group = kerasWeightsGroup(h5);
  const source = group.file.source;
  checkLayerNames(
    source,
    weightedFileLayers(group),
    expected.map(([name]) => name),
    modelName,
  );
  const datasets = new Map<string, H5Dataset>();
  for (const [layer, shapes] of expected) {
    const g = group.group(layer);
    const names = g.stringListAttribute('weight_names') ?? [];
    if (names.length !== shapes.length) {
      throw new ConvkitUsageError(
        `${source}: layer ${layer} has ${names.length} weight(s) in the file (${names.join(', ')}); the model has ${shapes.length} (kernel, bias).`,
      );
    }
    names.forEach((name, i) => {
      const dataset = g.dataset(name);
      checkShape(source, layer, name, dataset.shape, shapes[i]);
      datasets.set(`${layer}/${i === 0 ? 'kernel' : 'bias'}`, dataset);
    });
  }
  return (layer, weight) => {
    const dataset = datasets.get(`${layer}/${weight}`);
    if (!dataset) throw new Error(`internal: no weight ${layer}/${weight} in the plan`);
    return {
      // The config a model saves names Keras's default, as Keras's VGG16 config does.
      className: weight === 'kernel' ? 'GlorotUniform' : 'Zeros',
      getConfig: () => (weight === 'kernel' ? { seed: null } : {}),
      generate: () => readValues(source, layer, dataset.path, () => readInChunks(dataset)),
    };
  };
}

function checkShape(source: string, layer: string, name: string, found: number[], expected: number[]): void {
  if (found.length === expected.length && found.every((d, k) => d === expected[k])) return;
  const hint =
    layer === 'fc1'
      ? ' fc1 depends on the input size: the ImageNet classifier needs inputShape [224, 224, 3].'
      : '';
  throw new ConvkitUsageError(
    `${source}: weight ${name} of layer ${layer} has shape [${found.join(', ')}] in the file; the model expects [${expected.join(', ')}].${hint}`,
  );
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
    throw new ConvkitUsageError(
      `${source} holds VGG16 with its classifier (fc1, fc2, predictions: Keras's include_top=True file, vgg16_weights_tf_dim_ordering_tf_kernels.h5), ` +
        `but model ${modelName} was built without it. Build with includeTop: true, or use the conv-base file vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5.`,
    );
  }
  if (!hasTop(fileLayers) && hasTop(modelNames)) {
    throw new ConvkitUsageError(
      `${source} holds only VGG16's convolutional base (Keras's include_top=False file, vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5), ` +
        `but model ${modelName} has the classifier (fc1, fc2, predictions). Build with includeTop: false, or use vgg16_weights_tf_dim_ordering_tf_kernels.h5.`,
    );
  }
  throw new ConvkitUsageError(
    `${source} has ${list(fileLayers)} layers with weights; model ${modelName} has ${list(modelNames)}. ` +
      `File layers: ${fileLayers.join(', ')}. Model layers: ${modelNames.join(', ')}.`,
  );
}

function loadLayer(source: string, group: H5Group, layer: Layer): number {
  const names = group.stringListAttribute('weight_names') ?? [];
  const targets = layer.weights;
  if (names.length !== targets.length) {
    throw new ConvkitUsageError(
      `${source}: layer ${layer.name} has ${names.length} weight(s) in the file (${names.join(', ')}) but ${targets.length} in the model (${targets.map((w) => w.name).join(', ')}).`,
    );
  }
  let values = 0;
  names.forEach((name, i) => {
    const dataset = group.dataset(name);
    const expected = targets[i].shape;
    checkShape(source, layer.name, name, dataset.shape, expected);
    const data = readValues(source, layer.name, name, () => readInChunks(dataset));
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
    throw new ConvkitUsageError(
      `Reading weight ${weight} of layer ${layer} from ${source} failed: ${(error as Error).message} ` +
        `A truncated file (an interrupted download) reads like this; download it again.`,
      { cause: error },
    );
  }
}

/** Values per read of a large dataset: 4M float32 (16 MiB). */
const CHUNK_VALUES = 4 * 1024 * 1024;

/**
 * A dataset's values as float32. Large float32 datasets (fc1's kernel is 411 MB) are read in
 * slices of rows straight into the result, so the HDF5 library's WebAssembly memory (which never
 * shrinks) only ever holds one 16 MiB slice rather than a second copy of the whole array.
 */
function readInChunks(dataset: H5Dataset): Float32Array {
  const shape = dataset.shape;
  const total = shape.reduce((a, b) => a * b, 1);
  const handle = dataset.handle as unknown as { slice?: (ranges: number[][]) => unknown };
  if (
    total <= CHUNK_VALUES ||
    dataset.dtype !== 'float32' ||
    shape.length === 0 ||
    typeof handle.slice !== 'function'
  ) {
    return dataset.float32();
  }
  const row = total / shape[0];
  const rows = Math.max(1, Math.floor(CHUNK_VALUES / row));
  const out = new Float32Array(total);
  for (let start = 0; start < shape[0]; start += rows) {
    const end = Math.min(shape[0], start + rows);
    const part = handle.slice([[start, end]]);
    if (!(part instanceof Float32Array) || part.length !== (end - start) * row) {
      throw new Error(
        `rows ${start}-${end} of ${dataset.path} read as ${(part as { length?: number })?.length} values, expected ${(end - start) * row}`,
      );
    }
    out.set(part, start * row);
  }
  return out;
}
