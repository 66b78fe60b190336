import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Sequential } from '@convkit/layers';
import { loadKerasModel, loadModel } from '@convkit/layers/node';
import { CliUsageError } from '../errors';

/**
 * Loads a model from a TensorFlow.js LayersModel folder (or its model.json), or from a Keras
 * HDF5 file (.h5/.keras, like the chapter's cats_and_dogs_small_2.h5).
 */
export async function loadAnyModel(path: string): Promise<Sequential> {
  if (!existsSync(path)) {
    throw new CliUsageError(
      `Model ${path} does not exist. Give a folder with model.json (as convkit train writes) or a Keras .h5 file.`,
    );
  }
  if (statSync(path).isDirectory()) {
    if (!existsSync(join(path, 'model.json'))) {
      throw new CliUsageError(`${path} is a folder without model.json; it is not a saved model.`);
    }
    return loadModel(path);
  }
  if (/\.(h5|hdf5|keras)$/i.test(path)) return loadKerasModel(path);
  return loadModel(path);
}

/** The model's input [height, width, channels], or an error when it has no fixed image input. */
export function imageInputShape(model: Sequential, what: string): [number, number, number] {
  const shape = model.inputShape;
  const [, h, w, c] = shape;
  if (shape.length !== 4 || typeof h !== 'number' || typeof w !== 'number' || typeof c !== 'number') {
    throw new CliUsageError(
      `${what}: model '${model.name}' takes input of shape [${shape.map((d) => d ?? 'None').join(', ')}], not images of a fixed size [batch, height, width, channels].`,
    );
  }
  return [h, w, c];
}
