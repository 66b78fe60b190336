import * as tf from '@tensorflow/tfjs-core';
import { ensureGradients } from '../gradients/register';
import { usageError } from './errors';
import { toSnakeCase, uniqueName } from './names';
import { formatShape, type Shape, shapeMatches, sizeOf } from './shape';

/** Options every layer takes (Keras's base-layer keyword arguments, camelCase). */
export interface LayerArgs {
  /** The layer's name; default Keras's: the class in snake_case plus a counter (conv2d_1). */
  name?: string;
  /** Whether the optimizer updates this layer's weights (default true). */
  trainable?: boolean;
  /** Shape of one sample, without the batch (on the first layer of a model): [28, 28, 1]. */
  inputShape?: (number | null)[];
  /** Full input shape including the batch dimension, as Keras's batch_input_shape. */
  batchInputShape?: Shape;
  /** Fixed batch size to go with inputShape (rarely needed). */
  batchSize?: number;
  /** Only 'float32' is supported. */
  dtype?: 'float32';
}

/** Options of `apply`: `training: true` turns on training-only behaviour such as dropout. */
export interface ApplyOptions {
  training?: boolean;
}

/** One weight of a layer: its Keras name ('conv2d/kernel'), its variable and whether it trains. */
export class LayerWeight {
  constructor(
    /** The layer that owns the weight. */
    readonly layer: Layer,
    /** The weight's own name inside the layer: 'kernel' or 'bias'. */
    readonly baseName: string,
    /** The values; the optimizer assigns to it. */
    readonly variable: tf.Variable,
    private readonly ownTrainable = true,
  ) {}

  /** Keras's weight name, `<layer name>/<weight name>` ('conv2d/kernel'); follows layer renames. */
  get name(): string {
    return `${this.layer.name}/${this.baseName}`;
  }

  /** True when the weight trains: the weight is trainable and its layer is. */
  get trainable(): boolean {
    return this.ownTrainable && this.layer.trainable;
  }

  /** The weight's shape. */
  get shape(): number[] {
    return this.variable.shape;
  }
}

/** Keras JSON of a layer: `{ class_name: 'Conv2D', config: { name: 'conv2d', ... } }`. */
export interface LayerConfig {
  class_name: string;
  config: Record<string, unknown>;
}

/**
 * The base of every layer: a name, weights, a trainable flag, shape inference, and `apply`.
 * Subclasses implement `computeOutputShape`, `call`, `getConfig` and, when they have weights, `build`.
 */
export abstract class Layer {
  /** Keras's class name, used in summary() and in saved configs: 'Conv2D', 'Dense', ... */
  abstract readonly className: string;
  /** The layer's name (unique within a model). */
  name: string;
  private readonly _batchInputShape?: Shape;
  /** Always 'float32'. */
  readonly dtype = 'float32';
  protected _trainable: boolean;
  protected _weights: LayerWeight[] = [];
  protected _inputShape?: Shape;
  protected _outputShape?: Shape;

  constructor(args: LayerArgs, defaultPrefix: string) {
    ensureGradients();
    this.name = args.name ?? uniqueName(toSnakeCase(defaultPrefix));
    this._trainable = args.trainable ?? true;
    if (args.dtype !== undefined && args.dtype !== 'float32') {
      usageError(`Layer ${this.name}: dtype must be 'float32'; found '${args.dtype}'.`);
    }
    if (args.batchInputShape) this._batchInputShape = [...args.batchInputShape];
    else if (args.inputShape) this._batchInputShape = [args.batchSize ?? null, ...args.inputShape];
  }

  /** Full input shape the user fixed (inputShape/batchInputShape), if any. */
  get batchInputShape(): Shape | undefined {
    return this._batchInputShape;
  }

  /** Whether the optimizer updates this layer's weights. Setting it on a model sets it on every layer inside. */
  get trainable(): boolean {
    return this._trainable;
  }
  set trainable(value: boolean) {
    this._trainable = value;
  }

  /** True once the layer knows its input shape and has made its weights. */
  get built(): boolean {
    return this._inputShape !== undefined;
  }

  /** Input shape with null batch, known after build: (None, 28, 28, 1) as [null, 28, 28, 1]. */
  get inputShape(): Shape {
    if (!this._inputShape)
      usageError(`Layer ${this.name} has not been built yet: its input shape is unknown.`);
    return this._inputShape;
  }

  /** Output shape with null batch, known after build. */
  get outputShape(): Shape {
    if (!this._outputShape)
      usageError(`Layer ${this.name} has not been built yet: its output shape is unknown.`);
    return this._outputShape;
  }

  /** Every weight, in Keras order (kernel before bias). */
  get weights(): LayerWeight[] {
    return this._weights;
  }

  /** The weights the optimizer updates (none when the layer is frozen). */
  get trainableWeights(): LayerWeight[] {
    return this.trainable ? this.weights.filter((w) => w.trainable) : [];
  }

  /** The weights the optimizer leaves alone. */
  get nonTrainableWeights(): LayerWeight[] {
    const trainable = new Set(this.trainableWeights);
    return this.weights.filter((w) => !trainable.has(w));
  }

  /**
   * Fixes the input shape (batch dimension included, usually null), makes the weights and
   * computes the output shape. Called by `apply` and by models; calling it twice is an error
   * only when the shape differs.
   */
  build(inputShape: Shape): void {
    if (this._inputShape) {
      if (!compatible(this._inputShape, inputShape)) {
        usageError(
          `Layer ${this.name} was built for input shape ${formatShape(this._inputShape)}; found ${formatShape(inputShape)}.`,
        );
      }
      return;
    }
    if (this.batchInputShape && !compatible(this.batchInputShape, inputShape)) {
      usageError(
        `Layer ${this.name} expects input shape ${formatShape(this.batchInputShape)}; found ${formatShape(inputShape)}.`,
      );
    }
    const shape = this.batchInputShape ? merge(this.batchInputShape, inputShape) : [...inputShape];
    this._outputShape = this.computeOutputShape(shape);
    this.makeWeights(shape);
    this._inputShape = shape;
  }

  /** Shape inference: the output shape for an input shape (batch dimension included). */
  abstract computeOutputShape(inputShape: Shape): Shape;

  /** Creates the layer's weights for an input shape (no weights by default). */
  protected makeWeights(_inputShape: Shape): void {}

  /** The forward computation, on an input already checked against the layer's input shape. */
  protected abstract call(x: tf.Tensor, training: boolean): tf.Tensor;

  /**
   * Runs the layer on a batch. Builds the layer from the input's shape on first use; afterwards
   * an input whose shape does not fit gets an error naming the layer, the expected and the found shape.
   */
  apply(x: tf.Tensor, opts: ApplyOptions = {}): tf.Tensor {
    if (!this._inputShape) this.build([null, ...x.shape.slice(1)]);
    this.checkInput(x);
    return this.call(x, opts.training ?? false);
  }

  /** Throws when `x` does not fit the built input shape. */
  protected checkInput(x: tf.Tensor): void {
    const expected = this.inputShape;
    if (!shapeMatches(expected, x.shape)) {
      usageError(
        `Input to layer ${this.name} (${this.className}) has the wrong shape: expected ${formatShape(expected)}, found ${formatShape(x.shape)}.`,
      );
    }
  }

  /** Adds a weight made by `init` (called from makeWeights). */
  protected addWeight(
    baseName: string,
    shape: number[],
    values: Float32Array,
    trainable = true,
  ): LayerWeight {
    const initial = tf.tensor(values, shape, 'float32');
    const variable = tf.variable(initial, true);
    initial.dispose();
    const w = new LayerWeight(this, baseName, variable, trainable);
    this._weights.push(w);
    return w;
  }

  /** The total number of weight values (Keras's "Param #"). */
  countParams(): number {
    if (!this.built && this.hasWeightsWhenBuilt()) {
      usageError(
        `Layer ${this.name} has not been built yet, so its parameters are not counted. Give the first layer an inputShape.`,
      );
    }
    return this.weights.reduce((n, w) => n + sizeOf(w.shape), 0);
  }

  /** Whether this layer class makes weights when built (used to flag countParams on unbuilt layers). */
  protected hasWeightsWhenBuilt(): boolean {
    return false;
  }

  /** Copies of the weight values in Keras order; the caller owns (and disposes) them. */
  getWeights(): tf.Tensor[] {
    return this.weights.map((w) => tf.clone(w.variable));
  }

  /** Sets the weight values in Keras order; counts and shapes must match. */
  setWeights(values: tf.Tensor[]): void {
    const weights = this.weights;
    if (values.length !== weights.length) {
      usageError(
        `${this.className} ${this.name}.setWeights: expected ${weights.length} array(s) (${weights.map((w) => w.name).join(', ') || 'none'}), found ${values.length}.`,
      );
    }
    weights.forEach((w, i) => {
      if (!sameShape(w.shape, values[i].shape)) {
        usageError(
          `${this.className} ${this.name}.setWeights: weight ${i} (${w.name}) expected shape ${formatShape(w.shape)}, found ${formatShape(values[i].shape)}.`,
        );
      }
    });
    tf.tidy(() => {
      weights.forEach((w, i) => {
        w.variable.assign(values[i].dtype === 'float32' ? values[i] : tf.cast(values[i], 'float32'));
      });
    });
  }

  /** Keras JSON config (snake_case keys, as Keras writes them). */
  getConfig(): Record<string, unknown> {
    const config: Record<string, unknown> = { name: this.name, trainable: this.trainable };
    if (this.batchInputShape) config.batch_input_shape = [...this.batchInputShape];
    config.dtype = this.dtype;
    return config;
  }

  /** `{ class_name, config }`, the form a model config lists its layers in. */
  toJSON(): LayerConfig {
    return { class_name: this.className, config: this.getConfig() };
  }

  /** Frees the layer's weight variables. */
  dispose(): void {
    for (const w of this._weights) w.variable.dispose();
    this._weights = [];
  }
}

/** Base-layer arguments from a Keras config (name, trainable, batch_input_shape). */
export function baseArgsFromConfig(config: Record<string, unknown>): LayerArgs {
  const args: LayerArgs = {};
  if (typeof config.name === 'string') args.name = config.name;
  if (typeof config.trainable === 'boolean') args.trainable = config.trainable;
  if (Array.isArray(config.batch_input_shape)) args.batchInputShape = config.batch_input_shape as Shape;
  return args;
}

function sameShape(a: readonly (number | null)[], b: readonly (number | null)[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function compatible(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === null || b[i] === null || d === b[i]);
}

function merge(fixed: Shape, given: Shape): Shape {
  return fixed.map((d, i) => (i === 0 ? d : (d ?? given[i])));
}
