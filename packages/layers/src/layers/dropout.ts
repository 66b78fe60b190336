import type { Random } from '@convkit/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { usageError } from '../core/errors';
import { baseArgsFromConfig, Layer, type LayerArgs } from '../core/layer';
import { layerRandom } from '../core/seed';
import type { Shape } from '../core/shape';

/** Options of `dropout`. */
export interface DropoutArgs extends LayerArgs {
  /** Fraction of inputs set to zero while training, in [0, 1). */
  rate: number;
  /** Shape of the binary mask, broadcast over the input (Keras's noise_shape). */
  noiseShape?: number[];
  /** Seed of the masks: the same seed gives the same sequence of masks. */
  seed?: number;
}

/**
 * Keras's Dropout: while training, zeroes a random `rate` of the inputs and scales the rest by
 * 1 / (1 - rate); at inference it passes the input through. Masks come from a seeded generator.
 */
export class Dropout extends Layer {
  readonly className = 'Dropout';
  readonly rate: number;
  readonly noiseShape?: number[];
  readonly seed?: number;
  private readonly rng: Random;

  constructor(args: DropoutArgs) {
    super(args, 'Dropout');
    if (!(args.rate >= 0 && args.rate < 1)) {
      usageError(`Layer ${this.name}: rate must be in [0, 1); found ${args.rate}.`);
    }
    this.rate = args.rate;
    this.noiseShape = args.noiseShape;
    this.seed = args.seed;
    this.rng = layerRandom(args.seed, 'Dropout');
  }

  computeOutputShape(inputShape: Shape): Shape {
    return [...inputShape];
  }

  protected call(x: tf.Tensor, training: boolean): tf.Tensor {
    if (!training || this.rate === 0) return x;
    return tf.dropout(x, this.rate, this.noiseShape, this.rng.tfjsSeed());
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      rate: this.rate,
      noise_shape: this.noiseShape ?? null,
      seed: this.seed ?? null,
    };
  }

  /** Rebuilds a Dropout layer from its Keras config. */
  static fromConfig(config: Record<string, unknown>): Dropout {
    return new Dropout({
      ...baseArgsFromConfig(config),
      rate: config.rate as number,
      noiseShape: (config.noise_shape as number[] | null) ?? undefined,
      seed: (config.seed as number | null) ?? undefined,
    });
  }
}

/** Dropout regularisation (Keras `layers.Dropout`): `dropout({ rate: 0.5 })`. */
export function dropout(args: DropoutArgs): Dropout {
  return new Dropout(args);
}
