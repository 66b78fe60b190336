/**
 * Node's saveModel / loadModel: the browser-safe ones plus folders on disk (a path or a
 * file:// URL). Importing this module also lets `model.save(path)` write folders.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { Layer } from '../core/layer';
import type { Sequential } from '../model/sequential';
import { folderHandler } from './folder-handler';
import {
  checkpointSaver as checkpointSaverWithHandler,
  fileHandlers,
  isFileTarget,
  type LoadSource,
  loadModel as loadWithHandler,
  type SaveDestination,
  type SaveModelOptions,
  saveModel as saveWithHandler,
} from './save-load';

/** Routes paths and file:// URLs to folderHandler for saveModel/loadModel and model.save. */
export function enableFolderIO(): void {
  fileHandlers.save ??= (path, opts) => folderHandler(path, opts);
  fileHandlers.load ??= (path) => folderHandler(path);
}
enableFolderIO();

/**
 * Saves a model in the TensorFlow.js LayersModel format: to a folder (a path or file:// URL:
 * model.json + 4 MiB weight shards, written atomically; an existing folder is replaced only
 * with `{ overwrite: true }`), or to any URL/IOHandler the browser-safe saveModel takes.
 */
export function saveModel(
  model: Layer,
  destination: SaveDestination,
  opts: SaveModelOptions = {},
): Promise<tf.io.SaveResult> {
  enableFolderIO();
  const target =
    typeof destination === 'string' && isFileTarget(destination)
      ? folderHandler(destination, opts)
      : destination;
  return saveWithHandler(model, target, opts);
}

/**
 * Loads a TensorFlow.js LayersModel (saved by convkit, tfjs-layers or tfjs-converter) from a
 * folder, a model.json path, a file:// or http(s):// URL, or an IOHandler.
 */
export function loadModel(source: LoadSource): Promise<Sequential> {
  enableFolderIO();
  return loadWithHandler(source);
}

/**
 * A save function for modelCheckpoint that writes folders (or any URL saveModel takes),
 * replacing the previous checkpoint at the same path:
 * `modelCheckpoint({ filepath: 'ckpt/best', saveBestOnly: true, save: checkpointSaver() })`.
 */
export function checkpointSaver(
  opts: Omit<SaveModelOptions, 'overwrite'> = {},
): (model: unknown, path: string) => Promise<tf.io.SaveResult> {
  enableFolderIO();
  return checkpointSaverWithHandler(opts);
}
