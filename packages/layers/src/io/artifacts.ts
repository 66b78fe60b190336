/**
 * Models <-> TensorFlow.js LayersModel artifacts (the contents of model.json plus the weight
 * bytes), the form tfjs-core's IOHandlers (indexeddb://, localstorage://, downloads://, http)
 * save and load. Browser-safe.
 */
import * as tf from '@tensorflow/tfjs-core';
import { version } from '../../package.json';
import type { Layer, LayerConfig, LayerWeight } from '../core/layer';
import { deserializeLayer } from '../model/registry';
import { Sequential } from '../model/sequential';
import { ModelFormatError } from './errors';
import { float32ToFloat16Bits } from './float16';
import { OPTIMIZER_GROUP, optimizerArtifacts, restoreTraining } from './training-state';

/** The `format` tfjs writes in model.json for Keras-style models. */
export const LAYERS_MODEL_FORMAT = 'layers-model';

/** Options for turning a model into artifacts. */
export interface ArtifactsOptions {
  /**
   * Store weights as IEEE half floats (half the bytes; about 3 significant digits), as
   * tfjs-converter's `--quantize_float16` does. Loading dequantises them back to float32.
   */
  quantize?: 'float16';
  /**
   * Also save the optimizer's state (its moving averages and step count), so that training
   * resumes where it stopped after loadModel, as tfjs-layers' `includeOptimizer` (default false;
   * nothing to save for a model never compiled). A compiled model's training config (optimizer
   * settings, loss, metrics) is always saved, as Keras does, and loadModel compiles from it.
   */
  includeOptimizer?: boolean;
}

/** A weight spec with tfjs-converter's quantisation note (original_dtype is the converter's). */
type Spec = tf.io.WeightsManifestEntry & { quantization?: { original_dtype?: string } };

/**
 * A model's topology and weights as tfjs LayersModel artifacts: `modelTopology` is
 * `{ class_name, config, keras_version, backend }`, weights are little-endian float32 (or
 * float16 when quantised) concatenated in the model's weight order.
 */
export async function modelToArtifacts(
  model: Layer,
  opts: ArtifactsOptions = {},
): Promise<tf.io.ModelArtifacts> {
  if (opts.quantize !== undefined && opts.quantize !== 'float16') {
    throw new ModelFormatError(`quantize must be 'float16' or left out; found '${String(opts.quantize)}'.`);
  }
  if (!model.built) {
    throw new ModelFormatError(
      `Model ${model.name} has not been built, so it has no weights to save. Give its first layer an ` +
        `inputShape or run it once before saving.`,
    );
  }
  const weights = model.weights;
  checkUniqueNames(model.name, weights);
  const specs: Spec[] = [];
  const parts: ArrayBuffer[] = [];
  for (const w of weights) {
    const values = (await w.variable.data()) as Float32Array;
    const spec: Spec = { name: w.name, shape: [...w.shape], dtype: 'float32' };
    if (opts.quantize === 'float16') {
      spec.quantization = { dtype: 'float16', original_dtype: 'float32' };
      parts.push(float32ToFloat16Bits(values).buffer as ArrayBuffer);
    } else {
      parts.push(values.slice().buffer as ArrayBuffer);
    }
    specs.push(spec);
  }
  const training = model instanceof Sequential ? model.trainingConfig : undefined;
  if (opts.includeOptimizer && training) {
    const optimizer = await optimizerArtifacts(model as Sequential);
    specs.push(...optimizer.specs);
    parts.push(...optimizer.parts);
  }
  return {
    modelTopology: {
      class_name: model.className,
      config: model.getConfig(),
      keras_version: `convkit-layers ${version}`,
      backend: 'TensorFlow.js',
    },
    format: LAYERS_MODEL_FORMAT,
    generatedBy: `@convkit/layers v${version}`,
    convertedBy: null,
    weightSpecs: specs,
    weightData: tf.io.concatenateArrayBuffers(parts),
    ...(training ? { trainingConfig: training as unknown as tf.io.TrainingConfig } : {}),
  };
}

/**
 * Rebuilds a model from tfjs LayersModel artifacts (saved by convkit, tfjs-layers or
 * tfjs-converter) and sets its weights. `source` names the model in errors. Every weight of
 * the model must be in the artifacts with the same shape. With a training config, the model
 * comes back compiled, and with saved optimizer state (`includeOptimizer`) the optimizer
 * resumes from it; where either cannot be used, a warning says so (see training-state.ts).
 */
export function modelFromArtifacts(artifacts: tf.io.ModelArtifacts, source: string): Sequential {
  if (artifacts.format !== undefined && artifacts.format !== LAYERS_MODEL_FORMAT) {
    throw new ModelFormatError(
      `${source}: expected a TensorFlow.js '${LAYERS_MODEL_FORMAT}' model, found format '${artifacts.format}'` +
        (artifacts.format === 'graph-model' ? ' (a graph model: load it with tfjs-converter instead).' : '.'),
    );
  }
  const topology = modelConfigOf(artifacts.modelTopology, source);
  const model = buildModel(topology, source);
  try {
    if (artifacts.weightSpecs && artifacts.weightData) {
      const decoded = decodeArtifactsWeights(artifacts.weightSpecs, artifacts.weightData, source);
      try {
        const [optimizerSpecs, modelSpecs] = partition(
          artifacts.weightSpecs,
          (s) => s.group === OPTIMIZER_GROUP,
        );
        assignByName(model, modelSpecs, decoded, source);
        const optimizerState = optimizerSpecs.map((s) => ({ name: s.name, tensor: decoded[s.name] }));
        restoreTraining(model, artifacts.trainingConfig, optimizerState, source);
      } finally {
        tf.dispose(Object.values(decoded));
      }
    } else if (model.weights.length) {
      throw new ModelFormatError(
        `${source} holds a topology but no weights; the model needs ${model.weights.length} weight(s) ` +
          `(${model.weights.map((w) => w.name).join(', ')}).`,
      );
    }
  } catch (error) {
    model.dispose();
    throw error;
  }
  return model;
}

/** `{ class_name, config }` from a modelTopology (tfjs-converter nests it in `model_config`). */
function modelConfigOf(topology: unknown, source: string): LayerConfig {
  if (!topology || typeof topology !== 'object' || topology instanceof ArrayBuffer) {
    throw new ModelFormatError(`${source}: model.json has no Keras modelTopology object.`);
  }
  const t = topology as Record<string, unknown>;
  const inner = (t.model_config ?? t) as Record<string, unknown>;
  if (typeof inner.class_name !== 'string') {
    throw new ModelFormatError(
      `${source}: expected modelTopology { class_name, config }; found keys ${Object.keys(inner).join(', ')}.`,
    );
  }
  return inner as unknown as LayerConfig;
}

/** Rebuilds a Sequential from Keras JSON through the layer registry (errors name the source). */
export function buildModel(topology: LayerConfig, source: string): Sequential {
  let model: Layer;
  try {
    model = deserializeLayer(topology);
  } catch (error) {
    throw new ModelFormatError(`${source}: cannot rebuild the model: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (!(model instanceof Sequential)) {
    model.dispose();
    throw new ModelFormatError(
      `${source}: expected a model (Sequential, Model or Functional), found a single ${topology.class_name} layer.`,
    );
  }
  if (!model.built) {
    model.dispose();
    throw new ModelFormatError(
      `${source}: the model config gives no input shape (no batch_input_shape on its first layer), ` +
        `so its weights cannot be made.`,
    );
  }
  return model;
}

/** Decodes weight bytes by their specs (dequantising float16/uint8/uint16); the caller disposes them. */
function decodeArtifactsWeights(
  specs: tf.io.WeightsManifestEntry[],
  data: tf.io.WeightData,
  source: string,
): tf.NamedTensorMap {
  const bytes = Array.isArray(data) ? data.reduce((n, b) => n + b.byteLength, 0) : data.byteLength;
  const needed = specs.reduce((n, s) => n + byteSize(s), 0);
  if (bytes < needed) {
    throw new ModelFormatError(
      `${source}: the weights manifest needs ${needed} bytes of weight data, found ${bytes}; a shard ` +
        `is missing or truncated.`,
    );
  }
  try {
    return tf.io.decodeWeights(data, specs);
  } catch (error) {
    throw new ModelFormatError(`${source}: cannot decode the weights: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/** [items where `test` holds, the rest]. */
function partition<T>(items: T[], test: (item: T) => boolean): [T[], T[]] {
  return [items.filter(test), items.filter((item) => !test(item))];
}

/** Assigns decoded tensors to the model's weights by Keras weight name; all-or-nothing. */
function assignByName(
  model: Sequential,
  specs: tf.io.WeightsManifestEntry[],
  decoded: tf.NamedTensorMap,
  source: string,
): void {
  const byName = new Map(model.weights.map((w) => [w.name, w]));
  const plan: [LayerWeight, tf.Tensor][] = [];
  const unknown: string[] = [];
  for (const spec of specs) {
    const weight = byName.get(stripSuffix(spec.name));
    if (!weight) {
      unknown.push(spec.name);
      continue;
    }
    const tensor = decoded[spec.name];
    if (!sameShape(weight.shape, tensor.shape)) {
      throw new ModelFormatError(
        `${source}: weight ${weight.name} of layer ${weight.layer.name} has shape [${weight.shape.join(', ')}] ` +
          `in the model but [${tensor.shape.join(', ')}] in the file.`,
      );
    }
    plan.push([weight, tensor]);
    byName.delete(weight.name);
  }
  if (byName.size > 0) {
    throw new ModelFormatError(
      `${source}: the file has no values for weight(s) ${[...byName.keys()].join(', ')}` +
        (unknown.length ? `; it has values for ${unknown.join(', ')}, which the model does not have.` : '.'),
    );
  }
  if (unknown.length) {
    throw new ModelFormatError(
      `${source}: the file has weight(s) ${unknown.join(', ')} that the model (${model.weights.length} weights: ` +
        `${model.weights.map((w) => w.name).join(', ')}) does not have.`,
    );
  }
  for (const [weight, tensor] of plan) {
    weight.variable.assign(tensor.dtype === 'float32' ? tensor : tf.tidy(() => tf.cast(tensor, 'float32')));
  }
}

function checkUniqueNames(model: string, weights: LayerWeight[]): void {
  const seen = new Set<string>();
  for (const w of weights) {
    if (seen.has(w.name)) {
      throw new ModelFormatError(
        `Model ${model} has two weights named ${w.name} (layers in nested models share a name); ` +
          `rename one of the layers so the saved weights can be told apart.`,
      );
    }
    seen.add(w.name);
  }
}

/** Keras-converted names may carry TensorFlow's ':0' output suffix. */
function stripSuffix(name: string): string {
  return name.replace(/:\d+$/, '');
}

function byteSize(spec: tf.io.WeightsManifestEntry): number {
  const n = spec.shape.reduce((a, b) => a * b, 1);
  const q = spec.quantization?.dtype;
  if (q === 'float16' || q === 'uint16') return 2 * n;
  if (q === 'uint8') return n;
  return (spec.dtype === 'bool' ? 1 : 4) * n;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
