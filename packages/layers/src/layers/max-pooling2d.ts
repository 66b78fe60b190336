import * as tf from '@tensorflow/tfjs-core';
import { usageError } from '../core/errors';
import { baseArgsFromConfig, Layer, type LayerArgs } from '../core/layer';
import { formatShape, type Shape, toPair } from '../core/shape';
import { convOutputLength, type Padding } from './conv-utils';
import { checkPadding } from './conv2d';

/** Options of `maxPooling2d` (Keras's MaxPooling2D arguments, camelCase). */
export interface MaxPooling2DArgs extends LayerArgs {
  /** Window size (default 2, i.e. [2, 2]). */
  poolSize?: number | [number, number];
  /** Step of the window (default: the pool size). */
  strides?: number | [number, number] | null;
  /** 'valid' (default) or 'same'. */
  padding?: Padding;
  /** Only 'channels_last' (NHWC) is supported. */
  dataFormat?: 'channels_last';
}

/** Max pooling over NHWC images (Keras's MaxPooling2D). */
export class MaxPooling2D extends Layer {
  readonly className: string = 'MaxPooling2D';
  readonly poolSize: [number, number];
  readonly strides: [number, number];
  readonly padding: Padding;

  constructor(args: MaxPooling2DArgs = {}, prefix = 'MaxPooling2D') {
    super(args, prefix);
    if (args.dataFormat !== undefined && args.dataFormat !== 'channels_last') {
      usageError(
        `Layer ${this.name}: only dataFormat 'channels_last' is supported; found '${args.dataFormat}'.`,
      );
    }
    this.poolSize = toPair(args.poolSize ?? 2, `Layer ${this.name}: poolSize`);
    this.strides = args.strides == null ? this.poolSize : toPair(args.strides, `Layer ${this.name}: strides`);
    this.padding = checkPadding(args.padding, this.name);
  }

  computeOutputShape(inputShape: Shape): Shape {
    if (inputShape.length !== 4) {
      usageError(
        `Layer ${this.name} (${this.className}) expects 4D input (batch, height, width, channels); found shape ${formatShape(inputShape)}.`,
      );
    }
    const [b, h, w, c] = inputShape;
    return [
      b,
      convOutputLength(h, this.poolSize[0], this.padding, this.strides[0], 1, this.name),
      convOutputLength(w, this.poolSize[1], this.padding, this.strides[1], 1, this.name),
      c,
    ];
  }

  protected call(x: tf.Tensor): tf.Tensor {
    return tf.maxPool(x as tf.Tensor4D, this.poolSize, this.strides, this.padding);
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      pool_size: [...this.poolSize],
      padding: this.padding,
      strides: [...this.strides],
      data_format: 'channels_last',
    };
  }

  /** Rebuilds a MaxPooling2D layer from its Keras config. */
  static fromConfig(config: Record<string, unknown>): MaxPooling2D {
    return new MaxPooling2D({
      ...baseArgsFromConfig(config),
      poolSize: (config.pool_size as [number, number]) ?? 2,
      strides: (config.strides as [number, number] | null) ?? null,
      padding: (config.padding as Padding) ?? 'valid',
    });
  }
}

/** Average pooling over NHWC images (Keras's AveragePooling2D). */
export class AveragePooling2D extends MaxPooling2D {
  override readonly className = 'AveragePooling2D';

  constructor(args: MaxPooling2DArgs = {}) {
    super(args, 'AveragePooling2D');
  }

  protected override call(x: tf.Tensor): tf.Tensor {
    return tf.avgPool(x as tf.Tensor4D, this.poolSize, this.strides, this.padding);
  }

  /** Rebuilds an AveragePooling2D layer from its Keras config. */
  static override fromConfig(config: Record<string, unknown>): AveragePooling2D {
    return new AveragePooling2D({
      ...baseArgsFromConfig(config),
      poolSize: (config.pool_size as [number, number]) ?? 2,
      strides: (config.strides as [number, number] | null) ?? null,
      padding: (config.padding as Padding) ?? 'valid',
    });
  }
}

/** Max pooling (Keras `layers.MaxPooling2D`): `maxPooling2d({ poolSize: 2 })`. */
export function maxPooling2d(args: MaxPooling2DArgs = {}): MaxPooling2D {
  return new MaxPooling2D(args);
}

/** Average pooling (Keras `layers.AveragePooling2D`): `averagePooling2d({ poolSize: 2 })`. */
export function averagePooling2d(args: MaxPooling2DArgs = {}): AveragePooling2D {
  return new AveragePooling2D(args);
}
