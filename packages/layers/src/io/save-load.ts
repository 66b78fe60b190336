/**
 * saveModel / loadModel through tfjs-core's IOHandlers, as tfjs-layers' model.save(url) and
 * tf.loadLayersModel(url) do: 'indexeddb://name', 'localstorage://name', 'downloads://name'
 * (browser), 'http(s)://...' (POST to save, GET model.json to load), or any IOHandler object.
 * Browser-safe; `@convkit/layers/node` adds folders on disk (paths and file://).
 */
import * as tf from '@tensorflow/tfjs-core';
import { Layer } from '../core/layer';
import type { Sequential } from '../model/sequential';
import { type ArtifactsOptions, modelFromArtifacts, modelToArtifacts } from './artifacts';
import { ModelFormatError } from './errors';

/** Where to save: a URL with a scheme tfjs-core knows, or an IOHandler. */
export type SaveDestination = string | tf.io.IOHandler;
/** Where to load from: a URL with a scheme tfjs-core knows, or an IOHandler. */
export type LoadSource = string | tf.io.IOHandler;

/** Options of `saveModel`. */
export interface SaveModelOptions extends ArtifactsOptions {
  /** Replace an existing saved model (node folders; default false). Browser stores always replace. */
  overwrite?: boolean;
  /** Bytes per weight shard file (node folders; default 4 MiB, as tfjs-converter). */
  shardSizeBytes?: number;
}

/**
 * Saves a model's topology and weights in the TensorFlow.js LayersModel format. Returns
 * tfjs's SaveResult (sizes of the topology and the weights).
 */
export async function saveModel(
  model: Layer,
  destination: SaveDestination,
  opts: SaveModelOptions = {},
): Promise<tf.io.SaveResult> {
  const handler = typeof destination === 'string' ? saveHandlerFor(destination, opts) : destination;
  if (typeof handler.save !== 'function') {
    throw new ModelFormatError(`saveModel: the IOHandler given has no save() method.`);
  }
  const artifacts = await modelToArtifacts(model, opts);
  return handler.save(artifacts);
}

/**
 * Loads a model saved in the TensorFlow.js LayersModel format (by convkit, tfjs-layers or
 * tfjs-converter) and returns it as a Sequential with its weights set.
 */
export async function loadModel(source: LoadSource): Promise<Sequential> {
  const name = typeof source === 'string' ? source : 'the model';
  const handler = typeof source === 'string' ? loadHandlerFor(source) : source;
  if (typeof handler.load !== 'function') {
    throw new ModelFormatError(`loadModel: the IOHandler given has no load() method.`);
  }
  const artifacts = await handler.load();
  return modelFromArtifacts(artifacts, name);
}

/**
 * A save function for modelCheckpoint: `modelCheckpoint({ filepath: 'ckpt/model-{epoch:02d}',
 * save: checkpointSaver() })`. Each call saves to the formatted path, replacing what an earlier
 * epoch saved there, as Keras's ModelCheckpoint overwrites its file. In node, folder paths need
 * `@convkit/layers/node` imported (its checkpointSaver does that).
 */
export function checkpointSaver(
  opts: Omit<SaveModelOptions, 'overwrite'> = {},
): (model: unknown, path: string) => Promise<tf.io.SaveResult> {
  return async (model, path) => {
    if (!(model instanceof Layer)) {
      throw new ModelFormatError(
        `checkpointSaver: expected a @convkit/layers model to save to ${path}; found ${describe(model)}.`,
      );
    }
    return saveModel(model, path, { ...opts, overwrite: true });
  };
}

/**
 * Hook for `@convkit/layers/node`: resolves paths and file:// URLs to its folder handler,
 * so that `model.save('path')` works in node once that entry has been imported.
 * @internal
 */
export const fileHandlers: {
  save?: (path: string, opts: SaveModelOptions) => tf.io.IOHandler;
  load?: (path: string) => tf.io.IOHandler;
} = {};

/** An IOHandler for a URL string; errors list the schemes that work here. */
export function saveHandlerFor(url: string, opts: SaveModelOptions = {}): tf.io.IOHandler {
  if (fileHandlers.save && isFileTarget(url)) return fileHandlers.save(url, opts);
  const handlers = tf.io.getSaveHandlers(url);
  if (handlers.length === 0) throw new ModelFormatError(noHandler('save to', url));
  return handlers[0];
}

/** An IOHandler for loading from a URL string; errors list the schemes that work here. */
export function loadHandlerFor(url: string): tf.io.IOHandler {
  if (fileHandlers.load && isFileTarget(url)) return fileHandlers.load(url);
  const handlers = tf.io.getLoadHandlers(url);
  if (handlers.length > 0) return handlers[0];
  if (tf.io.isHTTPScheme(url)) return tf.io.http(url);
  throw new ModelFormatError(noHandler('load from', url));
}

/** True for file:// URLs and strings without a URL scheme (plain paths). */
export function isFileTarget(url: string): boolean {
  return url.startsWith('file://') || !/^[a-z][a-z0-9+.-]*:\/\//i.test(url);
}

function noHandler(verb: string, url: string): string {
  const browser = 'indexeddb://NAME, localstorage://NAME, downloads://NAME (in a browser), http(s)://URL';
  const files = fileHandlers.save
    ? 'a folder path or file://PATH'
    : "a folder path or file://PATH after importing '@convkit/layers/node' (node only)";
  return `Cannot ${verb} '${url}': no TensorFlow.js IO handler takes it here. Use ${browser}, or ${files}.`;
}

function describe(value: unknown): string {
  if (value === null || typeof value !== 'object') return String(value);
  return (value as object).constructor?.name ?? 'an object';
}
