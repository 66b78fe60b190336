import type { H5File, Sequential } from '@convkit/layers';
import { withH5 } from '@convkit/layers';
import { ConvkitUsageError } from '@convkit/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { buildVgg16, type Vgg16ArchitectureOptions, vgg16WeightShapes } from './architecture';
import { disposeModel } from './dispose';
import { fileInitializers, type LoadReport } from './load-weights';
import { loadTfjsArtifactsInto } from './tfjs-weights';

/** Where VGG16's weights come from, in the browser-safe entry. */
export type Vgg16WeightsSource = null | 'imagenet' | string | Uint8Array | ArrayBuffer | H5File;

/** Options of {@link vgg16}: Keras's `VGG16(...)` arguments, camelCase. */
export interface Vgg16Options extends Omit<Vgg16ArchitectureOptions, 'weightsWillLoad' | 'initializerFor'> {
  /**
   * null: random initialisation. 'imagenet': Keras's ImageNet weights (node entry only: they
   * are read from the Keras cache or downloaded). A URL of converted weights (…/model.json,
   * see convertVgg16Weights) or of a Keras .h5 file, the .h5 file's bytes, or an open H5File.
   * Default 'imagenet', as in Keras.
   */
  weights?: Vgg16WeightsSource;
  /** Called once the weights are in, with the layers filled and the number of values read. */
  onLoaded?: (report: LoadReport) => void;
}

/**
 * Keras's `VGG16(weights, include_top, input_shape, pooling, classes)`: builds the architecture
 * with Keras's layer names and loads the weights. This browser-safe entry loads weights from
 * bytes, an open HDF5 file or a URL; `@convkit/pretrained-vgg16/node` adds 'imagenet' (the Keras
 * cache and download) and file paths.
 */
export async function vgg16(opts: Vgg16Options = {}): Promise<Sequential> {
  const weights = opts.weights === undefined ? 'imagenet' : opts.weights;
  if (weights === 'imagenet') {
    throw new ConvkitUsageError(
      "vgg16({ weights: 'imagenet' }) reads Keras's weights file from disk: in node import vgg16 from '@convkit/pretrained-vgg16/node'. " +
        'In a browser pass the URL or the bytes of the .h5 file as weights.',
    );
  }
  if (weights === null) return buildVgg16(opts);
  if (typeof weights === 'string' && /\.json(\?|#|$)/.test(weights)) {
    return loadConverted(opts, tf.io.http(weights), weights);
  }
  const bytes = typeof weights === 'string' ? await fetchBytes(weights) : weights;
  return withH5(
    bytes,
    (file) => buildAndLoad(opts, file),
    typeof weights === 'string' ? weights : 'VGG16 weights',
  );
}

/** Checks the Keras rules for ImageNet weights, builds the model and loads `file` into it. */
export function buildAndLoad(opts: Vgg16Options, file: H5File, imagenet = false): Sequential {
  if (imagenet) checkImagenetOptions(opts);
  const expected = vgg16WeightShapes(opts);
  const initializerFor = fileInitializers(file, expected, opts.name ?? 'vgg16');
  const model = buildVgg16({ ...opts, initializerFor });
  opts.onLoaded?.({
    layers: expected.map(([name]) => name),
    values: model.countParams(),
  });
  return model;
}

/**
 * Builds VGG16 for `opts` and loads weights converted to the TensorFlow.js format (model.json
 * and shards) through a tfjs IOHandler (tf.io.http for a URL; a folder handler in node).
 */
export async function loadConverted(
  opts: Vgg16Options,
  handler: tf.io.IOHandler,
  source: string,
): Promise<Sequential> {
  if (!handler.load) throw new ConvkitUsageError(`${source}: the IOHandler cannot load.`);
  const artifacts = await handler.load();
  const model = buildVgg16({ ...opts, weightsWillLoad: true });
  try {
    loadTfjsArtifactsInto(model, artifacts, source);
  } catch (error) {
    disposeModel(model);
    throw error;
  }
  return model;
}

/** Keras's checks for `weights='imagenet'`: 1000 classes and a 224x224x3 input with the top. */
export function checkImagenetOptions(opts: Vgg16Options): void {
  const includeTop = opts.includeTop ?? true;
  if (includeTop && (opts.classes ?? 1000) !== 1000) {
    throw new ConvkitUsageError(
      `vgg16: with weights 'imagenet' and includeTop the classifier has ImageNet's 1000 classes; found classes ${opts.classes}. Use includeTop: false and add your own classifier.`,
    );
  }
  const s = opts.inputShape;
  if (includeTop && s && (s[0] !== 224 || s[1] !== 224 || s[2] !== 3)) {
    throw new ConvkitUsageError(
      `vgg16: with weights 'imagenet' and includeTop, inputShape must be [224, 224, 3] (fc1 was trained on 7x7x512 features); found [${s.join(', ')}]. Use includeTop: false for other sizes.`,
    );
  }
}

async function fetchBytes(url: string): Promise<Uint8Array> {
  const res = await fetch(url);
  if (!res.ok)
    throw new ConvkitUsageError(
      `Fetching VGG16 weights from ${url} failed: HTTP ${res.status} ${res.statusText}.`,
    );
  return new Uint8Array(await res.arrayBuffer());
}
