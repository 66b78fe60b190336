import type * as tf from '@tensorflow/tfjs-core';
import { usageError } from '../core/errors';
import { Layer } from '../core/layer';
import { uniqueNameOneBased } from '../core/names';
import { formatShape, type Shape } from '../core/shape';

/** Options of `inputLayer`. */
export interface InputLayerArgs {
  /** Shape of one sample, without the batch: [150, 150, 3]. */
  inputShape?: (number | null)[];
  /** Full shape including the batch dimension. */
  batchInputShape?: Shape;
  /** Default Keras's: 'input_1', 'input_2', ... */
  name?: string;
}

/**
 * Keras's InputLayer: passes the input through and fixes its shape. A Sequential that starts
 * with one takes its shape from it; a model marked `className: 'Functional'` lists it in summary().
 */
export class InputLayer extends Layer {
  readonly className = 'InputLayer';

  constructor(args: InputLayerArgs) {
    super({ ...args, name: args.name ?? uniqueNameOneBased('input') }, 'InputLayer');
    if (!this.batchInputShape) usageError(`InputLayer ${this.name} needs an inputShape or batchInputShape.`);
    this.build(this.batchInputShape);
  }

  computeOutputShape(inputShape: Shape): Shape {
    return [...inputShape];
  }

  protected call(x: tf.Tensor): tf.Tensor {
    return x;
  }

  override getConfig(): Record<string, unknown> {
    return {
      batch_input_shape: [...this.inputShape],
      dtype: this.dtype,
      sparse: false,
      ragged: false,
      name: this.name,
    };
  }

  /** The summary's Output Shape column for an InputLayer: `[(None, 150, 150, 3)]`, as Keras prints it. */
  summaryShape(): string {
    return `[${formatShape(this.outputShape)}]`;
  }

  /** Rebuilds an InputLayer from its Keras config. */
  static fromConfig(config: Record<string, unknown>): InputLayer {
    return new InputLayer({
      batchInputShape: config.batch_input_shape as Shape,
      name: typeof config.name === 'string' ? config.name : undefined,
    });
  }
}

/** An input layer (Keras `layers.InputLayer` / `Input`): `inputLayer({ inputShape: [150, 150, 3] })`. */
export function inputLayer(args: InputLayerArgs): InputLayer {
  return new InputLayer(args);
}
