import type { BatchSource, FitArgs, Layer, Sequential } from '@convkit/layers';
import { ConvkitUsageError } from '@convkit/tensor';
import type * as tf from '@tensorflow/tfjs-core';

/**
 * The chapter's "freeze all layers up to a given layer": makes the model trainable, then
 * freezes every layer before `layerName` and unfreezes it and every layer after it (for VGG16,
 * 'block5_conv1' unfreezes block5_conv1..block5_pool). Returns the names of the trainable
 * layers. An unknown name gets an error listing the layers.
 */
export function setTrainableFrom(model: Sequential, layerName: string): string[] {
  const layers: Layer[] = model.layers;
  const start = layers.findIndex((l) => l.name === layerName);
  if (start < 0) {
    throw new ConvkitUsageError(
      `setTrainableFrom: model ${model.name} has no layer named '${layerName}'; its layers are ${layers.map((l) => l.name).join(', ')}.`,
    );
  }
  model.trainable = true;
  layers.forEach((layer, i) => {
    layer.trainable = i >= start;
  });
  return layers.slice(start).map((l) => l.name);
}

/** One training phase of {@link fineTune}: epochs, learning rate and the fit options to pass on. */
export interface FineTunePhase extends Omit<FitArgs, 'epochs' | 'validationData'> {
  epochs: number;
  /** RMSprop learning rate (the chapter: 2e-5 for the head, 1e-5 for fine-tuning). */
  learningRate?: number;
}

/** Options of {@link fineTune}. */
export interface FineTuneOptions {
  /** The pretrained base inside `model` (VGG16's conv base). */
  convBase: Sequential;
  /** The whole model: the conv base followed by the new classifier. */
  model: Sequential;
  /** Training data: a batch source (flowFromDirectory) or [x, y] tensors. */
  train: BatchSource | [tf.Tensor, tf.Tensor];
  /** Validation data, as fit takes it. */
  validationData?: [tf.Tensor, tf.Tensor] | BatchSource;
  /** Keras loss name (the chapter: 'binary_crossentropy'). */
  loss: string;
  /** Metric names (the chapter: ['acc']). */
  metrics?: string[];
  /** Phase 1, conv base frozen: train the classifier (default learning rate 2e-5). */
  head: FineTunePhase;
  /** Phase 2: unfreeze from `unfreezeFrom` (default 'block5_conv1') and train on (default learning rate 1e-5). */
  fineTune: FineTunePhase & { unfreezeFrom?: string };
}

/** The two phases' histories (loss, metrics and val_ ones per epoch), and the layers fine-tuned. */
export interface FineTuneResult {
  head: Record<string, number[]>;
  fineTune: Record<string, number[]>;
  unfrozen: string[];
}

/**
 * The chapter's fine-tuning recipe, with @convkit/layers' compile and fit: (1) freeze the conv
 * base and train the new classifier with RMSprop; (2) unfreeze the base from a named layer
 * (block5_conv1), recompile with a lower learning rate, and train the classifier and the
 * unfrozen layers together. The classifier must be trained first: large gradients from a
 * random classifier would wreck the pretrained filters.
 */
export async function fineTune(opts: FineTuneOptions): Promise<FineTuneResult> {
  const { convBase, model, loss, metrics } = opts;
  if (!model.layers.includes(convBase)) {
    throw new ConvkitUsageError(
      `fineTune: model ${model.name} does not contain the conv base ${convBase.name}; build it as sequential([convBase, ...classifier]).`,
    );
  }
  const fit = (phase: FineTunePhase) => {
    const { epochs, learningRate: _lr, ...rest } = phase;
    const args: FitArgs = { ...rest, epochs, validationData: opts.validationData };
    return Array.isArray(opts.train)
      ? model.fit(opts.train[0], opts.train[1], args)
      : model.fit(opts.train, args);
  };
  convBase.trainable = false;
  model.compile({
    optimizer: { name: 'rmsprop', learningRate: opts.head.learningRate ?? 2e-5 },
    loss,
    metrics,
  });
  const head = await fit(opts.head);
  const unfrozen = setTrainableFrom(convBase, opts.fineTune.unfreezeFrom ?? 'block5_conv1');
  model.compile({
    optimizer: { name: 'rmsprop', learningRate: opts.fineTune.learningRate ?? 1e-5 },
    loss,
    metrics,
  });
  const { unfreezeFrom: _from, ...phase2 } = opts.fineTune;
  const fine = await fit(phase2);
  return { head: head.history, fineTune: fine.history, unfrozen };
}
