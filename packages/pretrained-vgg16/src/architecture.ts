import {
  conv2d,
  dense,
  flatten,
  globalAveragePooling2d,
  globalMaxPooling2d,
  type Initializer,
  inputLayer,
  type Layer,
  maxPooling2d,
  type Sequential,
  sequential,
} from '@convkit/layers';
import { ConvkitUsageError } from '@convkit/tensor';
import * as tf from '@tensorflow/tfjs-core';

/** VGG16's five convolution blocks: [block, filters, convolutions]. */
export const VGG16_BLOCKS: readonly (readonly [block: number, filters: number, convs: number])[] = [
  [1, 64, 2],
  [2, 128, 2],
  [3, 256, 3],
  [4, 512, 3],
  [5, 512, 3],
];

/** Names of VGG16's layers that carry weights, in order, without the classifier. */
export const VGG16_CONV_LAYERS: readonly string[] = VGG16_BLOCKS.flatMap(([b, , n]) =>
  Array.from({ length: n }, (_, i) => `block${b}_conv${i + 1}`),
);

/** Names of the classifier's layers that carry weights (include_top). */
export const VGG16_TOP_LAYERS: readonly string[] = ['fc1', 'fc2', 'predictions'];

/** Options of {@link buildVgg16}: the arguments of Keras's `VGG16(...)` that shape the model. */
export interface Vgg16ArchitectureOptions {
  /** Add the classifier: flatten, fc1, fc2, predictions (default true, as in Keras). */
  includeTop?: boolean;
  /**
   * One image's shape [height, width, 3]. Default [224, 224, 3] with the top; without it the
   * default leaves height and width open ([null, null, 3]). Height and width must be at least 32.
   */
  inputShape?: [number | null, number | null, number];
  /** Without the top: 'avg' or 'max' adds global pooling after block5_pool (output [n, 512]). */
  pooling?: 'avg' | 'max' | null;
  /** Number of classes of the predictions layer (default 1000). */
  classes?: number;
  /** Activation of the predictions layer (default 'softmax'; null gives logits). */
  classifierActivation?: 'softmax' | 'sigmoid' | 'linear' | null;
  /** Whether the weights will be overwritten at once (then they start as zeros, which is faster). */
  weightsWillLoad?: boolean;
  /** Where each weight's initial values come from (a weights file); overrides weightsWillLoad. */
  initializerFor?: (layer: string, weight: 'kernel' | 'bias') => Initializer;
  /** Model name (default 'vgg16'). */
  name?: string;
}

/**
 * Builds the VGG16 architecture exactly as Keras's keras_applications/vgg16.py does, with the
 * same layer names and order (input_1, block1_conv1 ... block5_pool, then flatten, fc1, fc2,
 * predictions or a global pooling), as a functional 'Model' named 'vgg16'. Weights start as
 * Keras's default initialisation (glorot_uniform kernels, zero biases).
 */
export function buildVgg16(opts: Vgg16ArchitectureOptions = {}): Sequential {
  const includeTop = opts.includeTop ?? true;
  const classes = opts.classes ?? 1000;
  const pooling = opts.pooling ?? null;
  if (!Number.isInteger(classes) || classes < 1) {
    throw new ConvkitUsageError(`vgg16: classes must be a positive integer; found ${classes}.`);
  }
  if (pooling !== null && pooling !== 'avg' && pooling !== 'max') {
    throw new ConvkitUsageError(
      `vgg16: pooling must be 'avg', 'max' or null; found ${JSON.stringify(pooling)}.`,
    );
  }
  if (includeTop && pooling !== null) {
    throw new ConvkitUsageError(
      `vgg16: pooling applies only without the classifier; pass includeTop: false with pooling '${pooling}'.`,
    );
  }
  const inputShape = checkInputShape(opts.inputShape, includeTop);
  const zeros = opts.weightsWillLoad ? { kernelInitializer: 'zeros' as const } : {};
  const init = (name: string) =>
    opts.initializerFor
      ? {
          kernelInitializer: opts.initializerFor(name, 'kernel'),
          biasInitializer: opts.initializerFor(name, 'bias'),
        }
      : zeros;

  const layers: Layer[] = [inputLayer({ inputShape })];
  // The layers make their weights when the model builds them (below).
  for (const [block, filters, convs] of VGG16_BLOCKS) {
    for (let i = 1; i <= convs; i++) {
      layers.push(
        conv2d({
          filters,
          kernelSize: 3,
          activation: 'relu',
          padding: 'same',
          name: `block${block}_conv${i}`,
          ...init(`block${block}_conv${i}`),
        }),
      );
    }
    layers.push(maxPooling2d({ poolSize: 2, strides: 2, name: `block${block}_pool` }));
  }
  if (includeTop) {
    layers.push(
      flatten({ name: 'flatten' }),
      dense({ units: 4096, activation: 'relu', name: 'fc1', ...init('fc1') }),
      dense({ units: 4096, activation: 'relu', name: 'fc2', ...init('fc2') }),
      dense({
        units: classes,
        activation: opts.classifierActivation ?? 'softmax',
        name: 'predictions',
        ...init('predictions'),
      }),
    );
  } else if (pooling === 'avg') {
    layers.push(globalAveragePooling2d());
  } else if (pooling === 'max') {
    layers.push(globalMaxPooling2d());
  }
  // Built inside tidy so that tensors made while creating the weights (initial values that a
  // layer may wrap in variables) are freed; the variables themselves are kept.
  let model: Sequential | undefined;
  try {
    tf.tidy(() => {
      model = sequential(layers, { name: opts.name ?? 'vgg16', className: 'Model' });
    });
  } catch (error) {
    // A failed build (e.g. a weights file that cannot be read) frees what it had made.
    tf.dispose(layers.flatMap((l) => l.weights.map((w) => w.variable)));
    throw error;
  }
  return model as Sequential;
}

/**
 * The weight shapes of VGG16's layers with weights for `opts`, in order: conv kernels
 * [3, 3, in, out] and biases, then (with the top) fc1 [rows, 4096] where rows is the flattened
 * block5_pool size, fc2 and predictions.
 */
export function vgg16WeightShapes(opts: Vgg16ArchitectureOptions = {}): [string, number[][]][] {
  const out: [string, number[][]][] = [];
  let cin = 3;
  for (const [block, filters, convs] of VGG16_BLOCKS) {
    for (let i = 1; i <= convs; i++) {
      out.push([`block${block}_conv${i}`, [[3, 3, cin, filters], [filters]]]);
      cin = filters;
    }
  }
  if (opts.includeTop ?? true) {
    const [h, w] = opts.inputShape ?? [224, 224, 3];
    const side = (d: number | null) => {
      let v = d ?? 0;
      for (let k = 0; k < 5; k++) v = Math.floor(v / 2);
      return v;
    };
    const classes = opts.classes ?? 1000;
    out.push(
      ['fc1', [[side(h) * side(w) * 512, 4096], [4096]]],
      ['fc2', [[4096, 4096], [4096]]],
      ['predictions', [[4096, classes], [classes]]],
    );
  }
  return out;
}

/** Keras's `_obtain_input_shape` for VGG16 (default size 224, minimum 32, channels last). */
function checkInputShape(
  given: Vgg16ArchitectureOptions['inputShape'],
  includeTop: boolean,
): (number | null)[] {
  if (given === undefined) return includeTop ? [224, 224, 3] : [null, null, 3];
  if (!Array.isArray(given) || given.length !== 3) {
    throw new ConvkitUsageError(
      `vgg16: inputShape must be [height, width, channels]; found ${JSON.stringify(given)}.`,
    );
  }
  const [h, w, c] = given;
  if (c !== 3) {
    throw new ConvkitUsageError(
      `vgg16: the input must have 3 channels; found inputShape ${JSON.stringify(given)}.`,
    );
  }
  for (const d of [h, w]) {
    if (d === null) {
      if (includeTop) {
        throw new ConvkitUsageError(
          `vgg16: with includeTop the input size must be fixed (the classifier's fc1 depends on it); found inputShape ${JSON.stringify(given)}.`,
        );
      }
    } else if (!Number.isInteger(d) || d < 32) {
      throw new ConvkitUsageError(
        `vgg16: input size must be at least 32x32; found inputShape ${JSON.stringify(given)}.`,
      );
    }
  }
  return [h, w, c];
}
