import type * as tf from '@tensorflow/tfjs-core';
import { type ActivationName, activate, checkActivation } from '../core/activations';
import { baseArgsFromConfig, Layer, type LayerArgs } from '../core/layer';
import type { Shape } from '../core/shape';

/** Options of `activation`. */
export interface ActivationArgs extends LayerArgs {
  /** A Keras activation name: 'relu', 'softmax', ... */
  activation: ActivationName;
}

/** Applies an activation function (Keras's Activation layer). */
export class Activation extends Layer {
  readonly className = 'Activation';
  readonly activation: ActivationName;

  constructor(args: ActivationArgs) {
    super(args, 'Activation');
    this.activation = checkActivation(args.activation, this.name);
  }

  computeOutputShape(inputShape: Shape): Shape {
    return [...inputShape];
  }

  protected call(x: tf.Tensor): tf.Tensor {
    return activate(this.activation, x);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), activation: this.activation };
  }

  /** Rebuilds an Activation layer from its Keras config. */
  static fromConfig(config: Record<string, unknown>): Activation {
    return new Activation({ ...baseArgsFromConfig(config), activation: config.activation as ActivationName });
  }
}

/** An activation layer (Keras `layers.Activation`): `activation({ activation: 'relu' })`. */
export function activation(args: ActivationArgs): Activation {
  return new Activation(args);
}
