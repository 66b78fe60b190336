import * as tf from '@tensorflow/tfjs-core';
import { usageError } from '../core/errors';
import { baseArgsFromConfig, Layer, type LayerArgs } from '../core/layer';
import { formatShape, type Shape } from '../core/shape';

/** Pools each channel over height and width: [b, h, w, c] -> [b, c]. */
abstract class GlobalPooling2D extends Layer {
  computeOutputShape(inputShape: Shape): Shape {
    if (inputShape.length !== 4) {
      usageError(
        `Layer ${this.name} (${this.className}) expects 4D input (batch, height, width, channels); found shape ${formatShape(inputShape)}.`,
      );
    }
    return [inputShape[0], inputShape[3]];
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), data_format: 'channels_last' };
  }
}

/** Averages each channel over height and width: [b, h, w, c] -> [b, c] (Keras's GlobalAveragePooling2D). */
export class GlobalAveragePooling2D extends GlobalPooling2D {
  readonly className = 'GlobalAveragePooling2D';

  constructor(args: LayerArgs = {}) {
    super(args, 'GlobalAveragePooling2D');
  }

  protected call(x: tf.Tensor): tf.Tensor {
    return tf.mean(x, [1, 2]);
  }

  /** Rebuilds a GlobalAveragePooling2D layer from its Keras config. */
  static fromConfig(config: Record<string, unknown>): GlobalAveragePooling2D {
    return new GlobalAveragePooling2D(baseArgsFromConfig(config));
  }
}

/**
 * Takes each channel's maximum over height and width: [b, h, w, c] -> [b, c] (Keras's
 * GlobalMaxPooling2D; what VGG16's `pooling: 'max'` adds after block5_pool).
 */
export class GlobalMaxPooling2D extends GlobalPooling2D {
  readonly className = 'GlobalMaxPooling2D';

  constructor(args: LayerArgs = {}) {
    super(args, 'GlobalMaxPooling2D');
  }

  protected call(x: tf.Tensor): tf.Tensor {
    return tf.max(x, [1, 2]);
  }

  /** Rebuilds a GlobalMaxPooling2D layer from its Keras config. */
  static fromConfig(config: Record<string, unknown>): GlobalMaxPooling2D {
    return new GlobalMaxPooling2D(baseArgsFromConfig(config));
  }
}

/** Global average pooling (Keras `layers.GlobalAveragePooling2D`). */
export function globalAveragePooling2d(args: LayerArgs = {}): GlobalAveragePooling2D {
  return new GlobalAveragePooling2D(args);
}

/** Global max pooling (Keras `layers.GlobalMaxPooling2D`). */
export function globalMaxPooling2d(args: LayerArgs = {}): GlobalMaxPooling2D {
  return new GlobalMaxPooling2D(args);
}
