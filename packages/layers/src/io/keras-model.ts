/**
 * Keras HDF5 model files (`model.save('x.h5')`): root attributes model_config (the model's
 * JSON) and keras_version, weights in group model_weights. Browser-safe; node's
 * `loadKerasModel` in `@convkit/layers/node` also takes a path.
 */
import type { LayerConfig } from '../core/layer';
import type { Sequential } from '../model/sequential';
import { buildModel } from './artifacts';
import { ModelFormatError } from './errors';
import { type H5File, withH5 } from './h5';
import { applyKerasWeights } from './keras-apply';
import { readKerasWeights } from './keras-weights';
import { restoreTraining } from './training-state';

/** What a Keras model file says about itself, besides the model. */
export interface KerasModelInfo {
  /** The Keras version that wrote the file ('2.4.0'), or undefined when not recorded. */
  kerasVersion?: string;
  /** The backend that wrote it ('tensorflow'), when recorded. */
  backend?: string;
  /** The compile settings (loss, metrics, optimizer config), when the file has them. */
  trainingConfig?: unknown;
}

/**
 * Reads a Keras HDF5 model file (bytes, or an open H5File) into a Sequential with its weights
 * (a nested Sequential or linear functional conv base included), compiled as it was saved when
 * the file has a training config that convkit can reproduce (else a warning says why not). `name` is used in errors.
 * Errors say what was expected and found: a file that is not a Keras model, a layer missing
 * from the file, a weight of the wrong shape.
 */
export async function loadKerasModel(
  source: H5File | Uint8Array | ArrayBuffer,
  name = 'the Keras file',
): Promise<Sequential> {
  return withH5(source, (file) => kerasModelFromH5(file).model, name);
}

/** Like loadKerasModel, for an open file, also returning the file's Keras version and training config. */
export function kerasModelFromH5(file: H5File): { model: Sequential; info: KerasModelInfo } {
  const root = file.root;
  const source = file.source;
  if (!root.hasAttribute('model_config')) {
    const weightsOnly = root.stringListAttribute('layer_names') !== undefined;
    throw new ModelFormatError(
      weightsOnly
        ? `${source} is a Keras weights file (from save_weights): it has layer_names but no model_config, ` +
            `so it does not say how to build the model. Build the model in code, then ` +
            `applyKerasWeights(model, readKerasWeights(file)).`
        : `${source} is not a Keras model file: expected root attributes model_config and keras_version and a ` +
            `group model_weights; found attributes [${root.attributeNames().join(', ')}] and children ` +
            `[${root.keys().join(', ')}].`,
    );
  }
  if (!root.has('model_weights')) {
    throw new ModelFormatError(
      `${source} has a model_config but no model_weights group (saved without weights?); found children ` +
        `[${root.keys().join(', ')}].`,
    );
  }
  const config = root.jsonAttribute('model_config') as LayerConfig;
  if (!config || typeof config !== 'object' || typeof config.class_name !== 'string') {
    throw new ModelFormatError(
      `${source}: model_config should be { class_name, config }; found ${JSON.stringify(config)?.slice(0, 200)}.`,
    );
  }
  const info: KerasModelInfo = {
    kerasVersion: optionalString(file, 'keras_version'),
    backend: optionalString(file, 'backend'),
    trainingConfig: root.hasAttribute('training_config') ? root.jsonAttribute('training_config') : undefined,
  };
  const weights = readKerasWeights(root.group('model_weights'));
  const model = buildModel(config, source);
  try {
    applyKerasWeights(model, weights, { source, match: 'name' });
  } catch (error) {
    model.dispose();
    throw error;
  }
  // Keras's load_model returns the model compiled as it was saved (optimizer state is not read).
  restoreTraining(model, info.trainingConfig, [], source);
  return { model, info };
}

function optionalString(file: H5File, name: string): string | undefined {
  return file.root.hasAttribute(name) ? file.root.stringAttribute(name) : undefined;
}
