/**
 * Keras's HDF5 weights layout (what `model.save_weights('x.h5')` and the `model_weights` group
 * of `model.save('x.h5')` hold), read into plain arrays:
 *
 *   attrs: layer_names = [b'block1_conv1', ...], backend, keras_version
 *   /<layer>            attrs: weight_names = [b'block1_conv1/kernel:0', b'block1_conv1/bias:0']
 *   /<layer>/<weight>   float32 dataset (kernel [kh, kw, in, out], bias [out], ...)
 *
 * A nested model (a VGG16 conv base inside a Sequential) is one entry whose weight_names list
 * all of its layers' weights in order.
 */
import { ModelFormatError } from './errors';
import { H5File, type H5Group } from './h5';

/** One weight of a layer as stored in the file. */
export interface KerasWeight {
  /** The name Keras stored ('block1_conv1/kernel:0', or old Keras 1's 'block1_conv1_W_1:0'). */
  name: string;
  shape: number[];
  values: Float32Array;
}

/** One layer's weights, in Keras order (kernel, bias, ...). */
export interface KerasLayerWeights {
  layerName: string;
  weights: KerasWeight[];
}

/**
 * Reads every layer's weights, in the file's `layer_names` order. Layers without weights
 * (pooling, flatten, input) are included with an empty `weights` list. Accepts a weights file,
 * a full-model file (reads its `model_weights` group), or the group that holds `layer_names`.
 */
export function readKerasWeights(h5: H5File | H5Group): KerasLayerWeights[] {
  const group = kerasWeightsGroup(h5);
  const layerNames = group.stringListAttribute('layer_names')!;
  return layerNames.map((layerName) => readLayer(group, layerName));
}

/**
 * The group holding `layer_names`: the root of a save_weights file, or `model_weights` of a
 * model.save file. Throws ModelFormatError naming what the file holds otherwise.
 */
export function kerasWeightsGroup(h5: H5File | H5Group): H5Group {
  const root = h5 instanceof H5File ? h5.root : h5;
  if (root.stringListAttribute('layer_names') !== undefined) return root;
  if (root.has('model_weights')) {
    const inner = root.group('model_weights');
    if (inner.stringListAttribute('layer_names') !== undefined) return inner;
  }
  const hint =
    root.has('layers') || root.has('vars')
      ? ' It looks like a Keras 3 .weights.h5 file; re-save it with Keras 2 (tf.keras) in the legacy .h5 format.'
      : '';
  throw new ModelFormatError(
    `${root.file.source} is not a Keras weights file: expected a 'layer_names' attribute at ${root.path} ` +
      `or a 'model_weights' group holding one; found attributes [${root.attributeNames().join(', ')}] and ` +
      `children [${root.keys().join(', ')}].${hint}`,
  );
}

/** Reads one layer group: its weight_names attribute and one dataset per name. */
function readLayer(group: H5Group, layerName: string): KerasLayerWeights {
  if (!group.has(layerName)) {
    throw new ModelFormatError(
      `${group.file.source}: layer_names lists '${layerName}' but ${group.path} has no group of that name; ` +
        `it holds: ${group.keys().join(', ')}.`,
    );
  }
  const layer = group.group(layerName);
  const names = layer.stringListAttribute('weight_names') ?? [];
  const weights = names.map((name) => {
    const dataset = layer.dataset(name);
    return { name, shape: dataset.shape, values: dataset.float32() };
  });
  return { layerName, weights };
}
