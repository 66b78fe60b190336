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
import { formatShape, type Shape } from '../core/shape';
import { rejectUnsupported } from './conv2d';
import { fusedActivation, fusedMatMul, useFusedKernel } from './fused-ops';

/** Options of `dense` (Keras's Dense arguments, camelCase). */
export interface DenseArgs extends LayerArgs {
  /** Number of outputs. */
  units: number;
  /** Activation applied to the output (default none). */
  activation?: ActivationName | null;
  /** Whether the layer adds a bias (default true). */
  useBias?: boolean;
  /** Default 'glorot_uniform', as in Keras. */
  kernelInitializer?: InitializerSpec;
  /** Default 'zeros', as in Keras. */
  biasInitializer?: InitializerSpec;
  /** Keras's input_dim: shorthand for inputShape [inputDim]. */
  inputDim?: number;
  /** Seed for the initial weights (default: drawn from `setSeed`'s generator). */
  seed?: number;
}

/** A fully connected layer on the last axis (Keras's Dense). */
export class Dense extends Layer {
  readonly className = 'Dense';
  readonly units: number;
  readonly activation: ActivationName;
  readonly useBias: boolean;
  readonly kernelInitializer: Initializer;
  readonly biasInitializer: Initializer;
  private readonly rng: Random;
  private kernel?: LayerWeight;
  private bias?: LayerWeight;

  constructor(args: DenseArgs) {
    super(
      args.inputDim !== undefined && !args.inputShape ? { ...args, inputShape: [args.inputDim] } : args,
      'Dense',
    );
    if (!Number.isInteger(args.units) || args.units <= 0) {
      usageError(`Layer ${this.name}: units must be a positive integer; found ${args.units}.`);
    }
    this.units = args.units;
    this.activation = checkActivation(args.activation, this.name);
    this.useBias = args.useBias ?? true;
    this.kernelInitializer = getInitializer(args.kernelInitializer ?? 'glorot_uniform', 'kernelInitializer');
    this.biasInitializer = getInitializer(args.biasInitializer ?? 'zeros', 'biasInitializer');
    this.rng = layerRandom(args.seed, 'Dense');
  }

  computeOutputShape(inputShape: Shape): Shape {
    if (inputShape.length < 2) {
      usageError(
        `Layer ${this.name} (Dense) expects input of rank >= 2; found shape ${formatShape(inputShape)}.`,
      );
    }
    return [...inputShape.slice(0, -1), this.units];
  }

  protected override makeWeights(inputShape: Shape): void {
    const inDim = inputShape[inputShape.length - 1];
    if (inDim === null) usageError(`Layer ${this.name}: the last dimension of the input must be known.`);
    const kshape = [inDim, this.units];
    this.kernel = this.addWeight('kernel', kshape, this.kernelInitializer.generate(kshape, this.rng));
    if (this.useBias) {
      this.bias = this.addWeight('bias', [this.units], this.biasInitializer.generate([this.units], this.rng));
    }
  }

  protected override hasWeightsWhenBuilt(): boolean {
    return true;
  }

  protected call(x: tf.Tensor): tf.Tensor {
    const rank = x.rank;
    const x2 = rank === 2 ? (x as tf.Tensor2D) : tf.reshape(x, [-1, x.shape[rank - 1]]);
    const kernel = this.kernel!.variable as tf.Tensor2D;
    const bias = this.bias?.variable;
    const fused = fusedActivation(this.activation);
    let y: tf.Tensor;
    if (useFusedKernel('_FusedMatMul', bias !== undefined, fused)) {
      // One _FusedMatMul kernel for matMul + bias (+ relu), with convkit's lazy gradients.
      y = fusedMatMul(x2 as tf.Tensor2D, kernel, bias, fused);
      if (fused !== this.activation) y = activate(this.activation, y);
    } else {
      y = tf.matMul(x2 as tf.Tensor2D, kernel);
      if (bias) y = tf.add(y, bias);
      y = activate(this.activation, y);
    }
    return rank === 2 ? y : tf.reshape(y, [...x.shape.slice(0, -1), this.units]);
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      units: this.units,
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

  /** Rebuilds a Dense layer from its Keras config. */
  static fromConfig(config: Record<string, unknown>): Dense {
    rejectUnsupported(
      config,
      [
        'kernel_regularizer',
        'bias_regularizer',
        'activity_regularizer',
        'kernel_constraint',
        'bias_constraint',
      ],
      'Dense',
    );
    return new Dense({
      ...baseArgsFromConfig(config),
      units: config.units as number,
      activation: (config.activation as ActivationName) ?? 'linear',
      useBias: (config.use_bias as boolean) ?? true,
      kernelInitializer: (config.kernel_initializer as InitializerSpec) ?? 'glorot_uniform',
      biasInitializer: (config.bias_initializer as InitializerSpec) ?? 'zeros',
    });
  }
}

/** A fully connected layer (Keras `layers.Dense`): `dense({ units: 64, activation: 'relu' })`. */
export function dense(args: DenseArgs): Dense {
  return new Dense(args);
}
