import { Layer, type LayerArgs, registerLayer, type Shape } from '@convkit/layers';
import * as tf from '@tensorflow/tfjs-core';

/**
 * Takes each channel's maximum over height and width: [b, h, w, c] -> [b, c] (Keras's
 * GlobalMaxPooling2D, what VGG16's `pooling: 'max'` adds after block5_pool).
 */
export class GlobalMaxPooling2D extends Layer {
  readonly className = 'GlobalMaxPooling2D';

  constructor(args: LayerArgs = {}) {
    super(args, 'GlobalMaxPooling2D');
  }

  computeOutputShape(inputShape: Shape): Shape {
    if (inputShape.length !== 4) {
      throw new Error(
        `Layer ${this.name} (GlobalMaxPooling2D) expects 4D input (batch, height, width, channels); found rank ${inputShape.length}.`,
      );
    }
    return [inputShape[0], inputShape[3]];
  }

  protected call(x: tf.Tensor): tf.Tensor {
    return tf.max(x, [1, 2]);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), data_format: 'channels_last' };
  }

  /** Rebuilds a GlobalMaxPooling2D layer from its Keras config. */
  static fromConfig(config: Record<string, unknown>): GlobalMaxPooling2D {
    return new GlobalMaxPooling2D({
      name: typeof config.name === 'string' ? config.name : undefined,
      trainable: typeof config.trainable === 'boolean' ? config.trainable : undefined,
    });
  }
}

/** Makes saved models that use GlobalMaxPooling2D loadable by @convkit/layers (idempotent). */
export function registerGlobalMaxPooling2D(): void {
  registerLayer('GlobalMaxPooling2D', GlobalMaxPooling2D.fromConfig);
  registerLayer('GlobalMaxPool2D', GlobalMaxPooling2D.fromConfig);
}
