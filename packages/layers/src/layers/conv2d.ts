import type { Random } from '@convkit/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { type ActivationName, activate, checkActivation } from '../core/activations';
import { usageError } from '../core/errors';
import {
  getInitializer,
  type Initializer,
  type InitializerSpec,
  serializeInitializer,
} from '../core/initializers';
import { baseArgsFromConfig, Layer, type LayerArgs, type LayerWeight } from '../core/layer';
import { layerRandom } from '../core/seed';
import { formatShape, type Shape, toPair } from '../core/shape';
import { convOutputLength, type Padding } from './conv-utils';
import { fusedActivation, fusedConv2d, useFusedKernel } from './fused-ops';

/** Options of `conv2d` (Keras's Conv2D arguments, camelCase). */
export interface Conv2DArgs extends LayerArgs {
  /** Number of output channels. */
  filters: number;
  /** Height and width of the window: 3 or [3, 3]. */
  kernelSize: number | [number, number];
  /** Step of the window (default 1). */
  strides?: number | [number, number];
  /** 'valid' (no padding, the default) or 'same' (output as large as input / strides). */
  padding?: Padding;
  /** Only 'channels_last' (NHWC) is supported. */
  dataFormat?: 'channels_last';
  /** Dilation of the window (default 1). */
  dilationRate?: number | [number, number];
  /** Activation applied to the output (default none). */
  activation?: ActivationName | null;
  /** Whether the layer adds a bias (default true). */
  useBias?: boolean;
  /** Default 'glorot_uniform', as in Keras. */
  kernelInitializer?: InitializerSpec;
  /** Default 'zeros', as in Keras. */
  biasInitializer?: InitializerSpec;
  /** Seed for the initial weights (default: drawn from `setSeed`'s generator). */
  seed?: number;
}

/** A 2D convolution over NHWC images (Keras's Conv2D). */
export class Conv2D extends Layer {
  readonly className = 'Conv2D';
  readonly filters: number;
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly padding: Padding;
  readonly dilationRate: [number, number];
  readonly activation: ActivationName;
  readonly useBias: boolean;
  readonly kernelInitializer: Initializer;
  readonly biasInitializer: Initializer;
  private readonly rng: Random;
  private kernel?: LayerWeight;
  private bias?: LayerWeight;

  constructor(args: Conv2DArgs) {
    super(args, 'Conv2D');
    if (!Number.isInteger(args.filters) || args.filters <= 0) {
      usageError(`Layer ${this.name}: filters must be a positive integer; found ${args.filters}.`);
    }
    if (args.dataFormat !== undefined && args.dataFormat !== 'channels_last') {
      usageError(
        `Layer ${this.name}: only dataFormat 'channels_last' is supported; found '${args.dataFormat}'.`,
      );
    }
    this.filters = args.filters;
    this.kernelSize = toPair(args.kernelSize, `Layer ${this.name}: kernelSize`);
    this.strides = toPair(args.strides ?? 1, `Layer ${this.name}: strides`);
    this.dilationRate = toPair(args.dilationRate ?? 1, `Layer ${this.name}: dilationRate`);
    if (this.strides.some((v) => v !== 1) && this.dilationRate.some((v) => v !== 1)) {
      usageError(
        `Layer ${this.name}: strides [${this.strides}] and dilationRate [${this.dilationRate}] cannot both be above 1 (as in Keras); use one of them.`,
      );
    }
    this.padding = checkPadding(args.padding, this.name);
    this.activation = checkActivation(args.activation, this.name);
    this.useBias = args.useBias ?? true;
    this.kernelInitializer = getInitializer(args.kernelInitializer ?? 'glorot_uniform', 'kernelInitializer');
    this.biasInitializer = getInitializer(args.biasInitializer ?? 'zeros', 'biasInitializer');
    this.rng = layerRandom(args.seed, 'Conv2D');
  }

  computeOutputShape(inputShape: Shape): Shape {
    if (inputShape.length !== 4) {
      usageError(
        `Layer ${this.name} (Conv2D) expects 4D input (batch, height, width, channels); found shape ${formatShape(inputShape)}.`,
      );
    }
    const [b, h, w] = inputShape;
    return [
      b,
      convOutputLength(h, this.kernelSize[0], this.padding, this.strides[0], this.dilationRate[0], this.name),
      convOutputLength(w, this.kernelSize[1], this.padding, this.strides[1], this.dilationRate[1], this.name),
      this.filters,
    ];
  }

  protected override makeWeights(inputShape: Shape): void {
    const channels = inputShape[3];
    if (channels === null)
      usageError(`Layer ${this.name}: the channel dimension of the input must be known.`);
    const kshape = [...this.kernelSize, channels, this.filters];
    this.kernel = this.addWeight('kernel', kshape, this.kernelInitializer.generate(kshape, this.rng));
    if (this.useBias) {
      this.bias = this.addWeight(
        'bias',
        [this.filters],
        this.biasInitializer.generate([this.filters], this.rng),
      );
    }
  }

  protected override hasWeightsWhenBuilt(): boolean {
    return true;
  }

  protected call(x: tf.Tensor): tf.Tensor {
    const kernel = this.kernel!.variable as tf.Tensor4D;
    const bias = this.bias?.variable;
    const dilated = this.dilationRate[0] !== 1 || this.dilationRate[1] !== 1;
    const fused = fusedActivation(this.activation);
    if (!dilated && useFusedKernel('FusedConv2D', bias !== undefined, fused)) {
      // One FusedConv2D kernel for conv + bias (+ relu), in training too: convkit registers its
      // gradient with lazy per-input functions, so the first layer still never computes a
      // gradient for the input images.
      const y = fusedConv2d(x as tf.Tensor4D, kernel, bias, this.strides, this.padding, fused);
      return fused === this.activation ? y : activate(this.activation, y);
    }
    // Plain ops (dilations, backends without the fused kernel): their gradients are lazy too.
    let y: tf.Tensor = tf.conv2d(
      x as tf.Tensor4D,
      kernel,
      this.strides,
      this.padding,
      'NHWC',
      this.dilationRate,
    );
    if (bias) y = tf.add(y, bias);
    return activate(this.activation, y);
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      filters: this.filters,
      kernel_size: [...this.kernelSize],
      strides: [...this.strides],
      padding: this.padding,
      data_format: 'channels_last',
      dilation_rate: [...this.dilationRate],
      activation: this.activation,
      use_bias: this.useBias,
      kernel_initializer: serializeInitializer(this.kernelInitializer),
      bias_initializer: serializeInitializer(this.biasInitializer),
      kernel_regularizer: null,
      bias_regularizer: null,
      activity_regularizer: null,
      kernel_constraint: null,
      bias_constraint: null,
    };
  }

  /** Rebuilds a Conv2D from its Keras config. */
  static fromConfig(config: Record<string, unknown>): Conv2D {
    rejectUnsupported(
      config,
      [
        'kernel_regularizer',
        'bias_regularizer',
        'activity_regularizer',
        'kernel_constraint',
        'bias_constraint',
      ],
      'Conv2D',
    );
    if (config.groups !== undefined && config.groups !== 1) {
      usageError(`Conv2D ${config.name}: groups=${config.groups} is not supported (only 1).`);
    }
    return new Conv2D({
      ...baseArgsFromConfig(config),
      filters: config.filters as number,
      kernelSize: config.kernel_size as [number, number],
      strides: (config.strides as [number, number]) ?? 1,
      padding: (config.padding as Padding) ?? 'valid',
      dataFormat: (config.data_format as 'channels_last') ?? 'channels_last',
      dilationRate: (config.dilation_rate as [number, number]) ?? 1,
      activation: (config.activation as ActivationName) ?? 'linear',
      useBias: (config.use_bias as boolean) ?? true,
      kernelInitializer: (config.kernel_initializer as InitializerSpec) ?? 'glorot_uniform',
      biasInitializer: (config.bias_initializer as InitializerSpec) ?? 'zeros',
    });
  }
}

/** Checks a padding argument: 'valid' (default) or 'same'. */
export function checkPadding(padding: string | undefined, layer: string): Padding {
  const p = padding ?? 'valid';
  if (p !== 'valid' && p !== 'same')
    usageError(`Layer ${layer}: padding must be 'valid' or 'same'; found '${padding}'.`);
  return p;
}

/** Throws when a Keras config sets a feature this package does not implement (so nothing is silently dropped). */
export function rejectUnsupported(config: Record<string, unknown>, keys: string[], className: string): void {
  for (const key of keys) {
    if (config[key] !== undefined && config[key] !== null) {
      usageError(
        `${className} ${config.name}: '${key}' is not supported by @convkit/layers; found ${JSON.stringify(config[key])}.`,
      );
    }
  }
}

/**
 * A 2D convolution layer (Keras `layers.Conv2D`):
 * `conv2d({ filters: 32, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1] })`.
 */
export function conv2d(args: Conv2DArgs): Conv2D {
  return new Conv2D(args);
}
