import * as tf from '@tensorflow/tfjs-core';
import { usageError } from '../core/errors';
import { baseArgsFromConfig, Layer, type LayerArgs } from '../core/layer';
import { formatShape, type Shape } from '../core/shape';

/** Averages each channel over height and width: [b, h, w, c] -> [b, c] (Keras's GlobalAveragePooling2D). */
export class GlobalAveragePooling2D extends Layer {
  readonly className = 'GlobalAveragePooling2D';

  constructor(args: LayerArgs = {}) {
    super(args, 'GlobalAveragePooling2D');
  }

  computeOutputShape(inputShape: Shape): Shape {
    if (inputShape.length !== 4) {
      usageError(
        `Layer ${this.name} (GlobalAveragePooling2D) expects 4D input (batch, height, width, channels); found shape ${formatShape(inputShape)}.`,
      );
    }
    return [inputShape[0], inputShape[3]];
  }

  protected call(x: tf.Tensor): tf.Tensor {
    return tf.mean(x, [1, 2]);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), data_format: 'channels_last' };
  }

  /** Rebuilds a GlobalAveragePooling2D layer from its Keras config. */
  static fromConfig(config: Record<string, unknown>): GlobalAveragePooling2D {
    return new GlobalAveragePooling2D(baseArgsFromConfig(config));
  }
}

/** Global average pooling (Keras `layers.GlobalAveragePooling2D`). */
export function globalAveragePooling2d(args: LayerArgs = {}): GlobalAveragePooling2D {
  return new GlobalAveragePooling2D(args);
}
