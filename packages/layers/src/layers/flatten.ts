import * as tf from '@tensorflow/tfjs-core';
import { usageError } from '../core/errors';
import { baseArgsFromConfig, Layer, type LayerArgs } from '../core/layer';
import { formatShape, type Shape } from '../core/shape';

/** Flattens each sample to one dimension, keeping the batch (Keras's Flatten). */
export class Flatten extends Layer {
  readonly className = 'Flatten';

  constructor(args: LayerArgs = {}) {
    super(args, 'Flatten');
  }

  computeOutputShape(inputShape: Shape): Shape {
    const rest = inputShape.slice(1);
    if (rest.some((d) => d === null)) {
      usageError(
        `Layer ${this.name} (Flatten) needs every non-batch dimension known; found input shape ${formatShape(inputShape)}. Give the first layer a full inputShape.`,
      );
    }
    return [inputShape[0], (rest as number[]).reduce((a, b) => a * b, 1)];
  }

  protected call(x: tf.Tensor): tf.Tensor {
    return tf.reshape(x, [x.shape[0], -1]);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), data_format: 'channels_last' };
  }

  /** Rebuilds a Flatten layer from its Keras config. */
  static fromConfig(config: Record<string, unknown>): Flatten {
    return new Flatten(baseArgsFromConfig(config));
  }
}

/** Flattens each sample (Keras `layers.Flatten`). */
export function flatten(args: LayerArgs = {}): Flatten {
  return new Flatten(args);
}
