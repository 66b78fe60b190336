import * as tf from '@tensorflow/tfjs-core';
import { usageError } from '../core/errors';
import { type ApplyOptions, Layer, type LayerConfig, type LayerWeight } from '../core/layer';
import { formatShape, type Shape, shapeMatches } from '../core/shape';
import { type SaveDestination, type SaveModelOptions, saveModel } from '../io/save-load';
import { InputLayer } from '../layers/input-layer';
import { BatchPuller, type BatchSource, isBatchSource } from '../training/batch-source';
import type { History } from '../training/callbacks';
import { type CompileArgs, type CompiledConfig, resolveCompile } from '../training/compile';
import type { Optimizer } from '../training/optimizers';
import { SampleRows } from '../training/sample-rows';
import { type EvaluateArgs, type FitArgs, Trainer } from '../training/trainer';
import { type TrainingConfig, trainingConfigOf } from '../training/training-config';
import { deserializeLayer } from './registry';
import { type SummaryOptions, summaryLines } from './summary';

/** The Keras class a model presents itself as: a Sequential, or a (linear) functional Model. */
export type ModelClassName = 'Sequential' | 'Model' | 'Functional';

/** Options of `sequential`. */
export interface SequentialArgs {
  /** The model's name (default 'sequential', 'sequential_1', ...). */
  name?: string;
  /** Whether the model's weights train (default true). */
  trainable?: boolean;
  /**
   * Keras class shown in summaries and written in configs. 'Model' or 'Functional' make a
   * linear functional model (as Keras's VGG16 is): its InputLayer is listed as a layer, and
   * getConfig() writes the functional form with inbound_nodes.
   */
  className?: ModelClassName;
}

/** Options of `predict`. */
export interface PredictOptions {
  /** Samples per forward pass for tensor input (default 32). */
  batchSize?: number;
  /** Batches to pull from a batch source (default its length, else until it ends). */
  steps?: number;
}

/** Options of `splitAt` results and `layerOutputs`. */
export interface ForwardOptions {
  /** Run training-only behaviour (dropout) too. Default false. */
  training?: boolean;
}

/** The two halves of a model cut after a layer; see `Sequential.splitAt`. */
export interface SplitModel {
  /** The model's input -> the named layer's output. */
  head(x: tf.Tensor, opts?: ForwardOptions): tf.Tensor;
  /** The named layer's output -> the model's output. */
  tail(h: tf.Tensor, opts?: ForwardOptions): tf.Tensor;
}

/**
 * Keras's Sequential model: a stack of layers, each feeding the next. It is itself a Layer, so
 * a whole model (a pretrained conv base) can be one layer of another Sequential.
 */
export class Sequential extends Layer {
  readonly className: ModelClassName;
  /** Set to true (by a callback such as earlyStopping) to stop fit after the current epoch. */
  stopTraining = false;
  private readonly stack: Layer[] = [];
  private compiled?: CompiledConfig;
  private trainer?: Trainer;

  constructor(layers: Layer[] = [], args: SequentialArgs = {}) {
    const className = args.className ?? 'Sequential';
    super(
      { name: args.name, trainable: args.trainable },
      className === 'Sequential' ? 'Sequential' : 'Model',
    );
    this.className = className;
    for (const layer of layers) this.add(layer);
    if (args.trainable === false) this.trainable = false;
  }

  /** The model's layers in order (a Sequential hides its InputLayer, as Keras's does). */
  get layers(): Layer[] {
    return this.className === 'Sequential'
      ? this.stack.filter((l) => !(l instanceof InputLayer))
      : [...this.stack];
  }

  /** Layers shown by summary(): the same as `layers`. */
  summaryLayers(): Layer[] {
    return this.layers;
  }

  /** Appends a layer. When the model's input shape is known the new layer is built at once. */
  add(layer: Layer): void {
    if (layer === this) usageError(`Model ${this.name} cannot be added to itself.`);
    if (this.stack.some((l) => l.name === layer.name)) {
      usageError(
        `All layers of model ${this.name} need unique names; '${layer.name}' is already the name of one of its layers. Pass { name } to the new layer.`,
      );
    }
    if (layer instanceof InputLayer && this.stack.length > 0) {
      usageError(`Model ${this.name}: an InputLayer can only be its first layer.`);
    }
    const last = this.stack[this.stack.length - 1];
    this.stack.push(layer);
    try {
      if (last?.built) layer.build(last.outputShape);
      else if (!last && layer.batchInputShape) {
        this.rebuildFrom(layer.batchInputShape);
      } else if (!last && layer.built) this.rebuildFrom(layer.inputShape);
      if (this.stack[0].built && this.stack.every((l) => l.built)) this.markBuilt();
    } catch (e) {
      this.stack.pop();
      throw e;
    }
  }

  /** Removes the last layer (Keras's pop()). */
  pop(): Layer {
    const layer = this.stack.pop();
    if (!layer) usageError(`Model ${this.name} has no layers to pop.`);
    if (this.stack.length && this.stack.every((l) => l.built)) this.markBuilt();
    return layer;
  }

  private rebuildFrom(inputShape: Shape): void {
    let shape = inputShape;
    for (const layer of this.stack) {
      layer.build(shape);
      shape = layer.outputShape;
    }
  }

  private markBuilt(): void {
    this._inputShape = [...this.stack[0].inputShape];
    this._outputShape = [...this.stack[this.stack.length - 1].outputShape];
  }

  /** The input shape the first layer fixes, if any. */
  override get batchInputShape(): Shape | undefined {
    const first = this.stack[0];
    return first?.batchInputShape ?? (first?.built ? first.inputShape : undefined);
  }

  override build(inputShape: Shape): void {
    if (this.stack.length === 0) usageError(`Model ${this.name} has no layers; add some before using it.`);
    if (this.built) {
      const mine = this.inputShape;
      const fits =
        mine.length === inputShape.length &&
        mine.every((d, i) => d === null || inputShape[i] === null || d === inputShape[i]);
      if (fits) return;
      usageError(
        `Model ${this.name} was built for input shape ${formatShape(mine)}; found ${formatShape(inputShape)}.`,
      );
    }
    this.rebuildFrom(inputShape);
    this.markBuilt();
  }

  computeOutputShape(inputShape: Shape): Shape {
    let shape = inputShape;
    for (const layer of this.stack) shape = layer.built ? layer.outputShape : layer.computeOutputShape(shape);
    return shape;
  }

  protected override checkInput(x: tf.Tensor): void {
    const expected = this.inputShape;
    if (!shapeMatches(expected, x.shape)) {
      usageError(
        `Input to model ${this.name} has the wrong shape: its first layer ${this.stack[0].name} expects ${formatShape(expected)}, found ${formatShape(x.shape)}.`,
      );
    }
  }

  protected call(x: tf.Tensor, training: boolean): tf.Tensor {
    let y = x;
    for (const layer of this.stack) y = layer.apply(y, { training });
    return y;
  }

  override get trainable(): boolean {
    return this._trainable;
  }
  /** Setting it sets every layer inside too (as Keras 2 in TensorFlow does); unfreeze layers one by one after. */
  override set trainable(value: boolean) {
    this._trainable = value;
    for (const layer of this.stack ?? []) layer.trainable = value;
  }

  override get weights(): LayerWeight[] {
    return this.stack.flatMap((l) => l.weights);
  }

  override get trainableWeights(): LayerWeight[] {
    return this.trainable ? this.stack.flatMap((l) => l.trainableWeights) : [];
  }

  override countParams(): number {
    if (!this.built) usageError(notBuilt(this.name));
    return this.stack.reduce((n, l) => n + l.countParams(), 0);
  }

  /** Prints Keras's summary table (to console.log unless `print` is given). */
  summary(print: (line: string) => void = console.log, opts: SummaryOptions = {}): void {
    if (!this.built) usageError(notBuilt(this.name));
    for (const line of summaryLines(this, opts)) print(line);
  }

  /**
   * A layer by name (searching nested models too when no top-level layer has the name) or by
   * index. An unknown name gets an error listing the valid ones.
   */
  getLayer(nameOrIndex: string | number): Layer {
    if (typeof nameOrIndex === 'number') {
      const layer = this.layers[nameOrIndex];
      if (!layer)
        usageError(
          `Model ${this.name} has ${this.layers.length} layers; index ${nameOrIndex} is out of range.`,
        );
      return layer;
    }
    const path = this.findPath(nameOrIndex);
    if (!path) {
      const nested = this.stack
        .filter((l): l is Sequential => l instanceof Sequential)
        .map((m) => `; inside ${m.name}: ${m.allNames().join(', ')}`)
        .join('');
      usageError(
        `No layer named '${nameOrIndex}' in model ${this.name}. Its layers are: ${this.layers.map((l) => l.name).join(', ')}${nested}.`,
      );
    }
    return path[path.length - 1];
  }

  private allNames(): string[] {
    return this.stack.flatMap((l) => (l instanceof Sequential ? [l.name, ...l.allNames()] : [l.name]));
  }

  /** The chain of layers from this model down to the named layer (top-level names win). */
  private findPath(name: string): Layer[] | undefined {
    const top = this.stack.find((l) => l.name === name);
    if (top) return [top];
    for (const layer of this.stack) {
      if (layer instanceof Sequential) {
        const inner = layer.findPath(name);
        if (inner) return [layer, ...inner];
      }
    }
    return undefined;
  }

  private pathTo(name: string): Layer[] {
    return this.findPath(name) ?? [this.getLayer(name)];
  }

  /**
   * Runs `x` through the model once and returns the outputs of the named layers, in the order
   * of `names` (layers of nested models included). The caller owns the returned tensors.
   */
  layerOutputs(x: tf.Tensor, names: string[], opts: ForwardOptions = {}): tf.Tensor[] {
    const targets = names.map((n) => this.pathTo(n));
    const wanted = new Set(targets.map((p) => p[p.length - 1]));
    return tf.tidy(() => {
      const recorded = new Map<Layer, tf.Tensor>();
      this.ensureBuiltFor(x);
      this.checkInput(x);
      this.record(x, wanted, recorded, opts.training ?? false);
      return targets.map((p) => recorded.get(p[p.length - 1])!);
    });
  }

  private ensureBuiltFor(x: tf.Tensor): void {
    if (!this.built) this.build([null, ...x.shape.slice(1)]);
  }

  /** Forward pass that keeps the outputs of `wanted` layers; stops once all are recorded. */
  private record(x: tf.Tensor, wanted: Set<Layer>, out: Map<Layer, tf.Tensor>, training: boolean): tf.Tensor {
    let y = x;
    for (const layer of this.stack) {
      if (out.size === wanted.size) break;
      if (layer instanceof Sequential && layer.containsAny(wanted)) {
        layer.checkInput(y);
        y = layer.record(y, wanted, out, training);
        if (wanted.has(layer)) {
          // The nested model may have stopped early; finish it to get its own output.
          if (!out.has(layer)) out.set(layer, y);
        }
      } else {
        y = layer.apply(y, { training });
        if (wanted.has(layer)) out.set(layer, y);
      }
    }
    return y;
  }

  private containsAny(wanted: Set<Layer>): boolean {
    return this.stack.some((l) => wanted.has(l) || (l instanceof Sequential && l.containsAny(wanted)));
  }

  /**
   * Cuts the model after the named layer (which may sit in a nested model) into two callables:
   * `head` maps the input to that layer's output, `tail` maps that output to the model's output.
   * `tail(head(x))` equals `apply(x)`; use them inside tf.grad to take gradients with respect
   * to any layer's output. Each call cleans up its intermediate tensors; the caller owns the result.
   */
  splitAt(name: string): SplitModel {
    const path = this.pathTo(name);
    return {
      head: (x, opts = {}) => {
        this.ensureBuiltFor(x);
        this.checkInput(x);
        return tf.tidy(() => this.runUntil(x, path, opts.training ?? false));
      },
      tail: (h, opts = {}) => tf.tidy(() => this.runFrom(h, path, opts.training ?? false)),
    };
  }

  private runUntil(x: tf.Tensor, path: Layer[], training: boolean): tf.Tensor {
    const [target, ...rest] = path;
    let y = x;
    for (const layer of this.stack) {
      if (layer === target) {
        return rest.length ? (layer as Sequential).runUntil(y, rest, training) : layer.apply(y, { training });
      }
      y = layer.apply(y, { training });
    }
    throw new Error(`internal: layer ${target.name} not found in ${this.name}`);
  }

  private runFrom(h: tf.Tensor, path: Layer[], training: boolean): tf.Tensor {
    const [target, ...rest] = path;
    const i = this.stack.indexOf(target);
    let y = rest.length ? (target as Sequential).runFrom(h, rest, training) : h;
    for (const layer of this.stack.slice(i + 1)) y = layer.apply(y, { training });
    return y;
  }

  /**
   * Configures training (Keras's compile): `{ optimizer: 'rmsprop', loss: 'categorical_crossentropy',
   * metrics: ['accuracy'] }`. Compile again after changing `trainable` flags, as in Keras.
   */
  compile(args: CompileArgs): void {
    const config = resolveCompile(args, this.built ? this.outputShape : undefined);
    this.compiled?.optimizer.dispose();
    this.compiled = config;
    this.trainer = new Trainer(this, config);
  }

  /** What compile() set, as Keras and tfjs-layers save it with a model; undefined before compile(). */
  get trainingConfig(): TrainingConfig | undefined {
    return this.compiled && trainingConfigOf(this.compiled);
  }

  /** The optimizer compile() set up. */
  get optimizer(): Optimizer | undefined {
    return this.compiled?.optimizer;
  }

  /** Names of what evaluate() returns: 'loss' then the metrics, as given to compile(). */
  get metricsNames(): string[] {
    return this.requireTrainer('metricsNames').metricsNames;
  }

  private requireTrainer(what: string): Trainer {
    if (!this.trainer)
      usageError(
        `Model ${this.name} must be compiled before ${what}: call model.compile({ optimizer, loss, metrics }).`,
      );
    if (!this.built) usageError(notBuilt(this.name));
    return this.trainer;
  }

  /**
   * Trains the model (Keras's fit) on tensors `fit(x, y, { epochs, batchSize, validationData, ... })`
   * or on a batch source `fit(source, { stepsPerEpoch, epochs, validationData, validationSteps })`.
   * Resolves to a History whose `history` maps loss/metric names (and val_ ones) to per-epoch values.
   */
  fit(x: tf.Tensor, y: tf.Tensor, args?: FitArgs): Promise<History>;
  fit(source: BatchSource, args?: FitArgs): Promise<History>;
  async fit(x: tf.Tensor | BatchSource, y?: tf.Tensor | FitArgs, args?: FitArgs): Promise<History> {
    if (!this.built && x instanceof tf.Tensor) this.build([null, ...x.shape.slice(1)]);
    const trainer = this.requireTrainer('fit');
    return isBatchSource(x)
      ? trainer.fit(x, undefined, (y as FitArgs) ?? {})
      : trainer.fit(x, y as tf.Tensor, args);
  }

  /**
   * Loss and metrics on data (Keras's evaluate): `[loss, ...metrics]` in the order of
   * `metricsNames`, from tensors `evaluate(x, y)` or a batch source `evaluate(source, { steps })`.
   */
  evaluate(x: tf.Tensor, y: tf.Tensor, args?: EvaluateArgs): Promise<number[]>;
  evaluate(source: BatchSource, args?: EvaluateArgs): Promise<number[]>;
  async evaluate(
    x: tf.Tensor | BatchSource,
    y?: tf.Tensor | EvaluateArgs,
    args?: EvaluateArgs,
  ): Promise<number[]> {
    const trainer = this.requireTrainer('evaluate');
    return isBatchSource(x)
      ? trainer.evaluate(x, undefined, (y as EvaluateArgs) ?? {})
      : trainer.evaluate(x, y as tf.Tensor, args);
  }

  /**
   * Saves topology and weights in the TensorFlow.js LayersModel format (model.json + weight
   * shards), which tfjs-layers loads: 'indexeddb://name', 'localstorage://name',
   * 'downloads://name', an http(s) URL, an IOHandler, or (after importing
   * `@convkit/layers/node`) a folder path.
   */
  save(destination: SaveDestination, opts?: SaveModelOptions): Promise<tf.io.SaveResult> {
    return saveModel(this, destination, opts);
  }

  /** Frees the weights and the optimizer state. */
  override dispose(): void {
    for (const layer of this.stack) layer.dispose();
    this.compiled?.optimizer.dispose();
  }

  /** Runs the model on one in-memory batch (no batching, no tidy): the building block of predict/fit. */
  override apply(x: tf.Tensor, opts: ApplyOptions = {}): tf.Tensor {
    return super.apply(x, opts);
  }

  /**
   * The model's outputs for a tensor of samples (run in batches of `batchSize`, default 32) or
   * for a batch source (`steps` batches, default its length; returns a Promise). The caller owns
   * the result.
   */
  predict(x: tf.Tensor, opts?: PredictOptions): tf.Tensor;
  predict(x: BatchSource, opts?: PredictOptions): Promise<tf.Tensor>;
  predict(x: tf.Tensor | BatchSource, opts: PredictOptions = {}): tf.Tensor | Promise<tf.Tensor> {
    if (isBatchSource(x)) return this.predictSource(x, opts.steps);
    if (!(x instanceof tf.Tensor))
      usageError(`Model ${this.name}.predict expects a tensor or a batch source; found ${typeof x}.`);
    const batchSize = opts.batchSize ?? 32;
    if (!Number.isInteger(batchSize) || batchSize <= 0)
      usageError(`predict: batchSize must be a positive integer; found ${batchSize}.`);
    const n = x.shape[0];
    if (n <= batchSize) return tf.tidy(() => this.apply(x));
    const parts: tf.Tensor[] = [];
    const rows = new SampleRows(x); // wasm's Slice would copy all of x for every batch
    for (let start = 0; start < n; start += batchSize) {
      const size = Math.min(batchSize, n - start);
      parts.push(tf.tidy(() => this.apply(rows.range(start, size))));
    }
    const out = tf.concat(parts, 0);
    tf.dispose(parts);
    return out;
  }

  private async predictSource(source: BatchSource, steps?: number): Promise<tf.Tensor> {
    const puller = new BatchPuller(source, `Model ${this.name}.predict`);
    const total = puller.stepsPerEpoch(steps);
    const parts: tf.Tensor[] = [];
    try {
      for (let step = 0; step < total; step++) {
        const batch = await puller.next(step === 0);
        if (!batch) break;
        parts.push(tf.tidy(() => this.apply(batch[0])));
        tf.dispose(batch as tf.Tensor[]);
      }
      return parts.length === 1 ? parts[0] : tf.concat(parts, 0);
    } finally {
      if (parts.length > 1) tf.dispose(parts);
    }
  }

  override getConfig(): Record<string, unknown> {
    if (this.className === 'Sequential') {
      return { name: this.name, layers: this.stack.map((l) => l.toJSON()) };
    }
    // A linear functional model: each layer's inbound node is the previous layer.
    const stack = this.stack;
    const layers = stack.map((l, i) => ({
      class_name: l.className,
      config: l.getConfig(),
      name: l.name,
      inbound_nodes: i === 0 ? [] : [[[stack[i - 1].name, 0, 0, {}]]],
    }));
    const first = stack[0];
    return {
      name: this.name,
      layers,
      input_layers: first ? [[first.name, 0, 0]] : [],
      output_layers: stack.length ? [[stack[stack.length - 1].name, 0, 0]] : [],
    };
  }

  /**
   * Rebuilds a model from Keras JSON config: a Sequential's ({ name, layers } or the older
   * bare list) or a linear functional model's (Model/Functional with inbound_nodes).
   */
  static fromConfig(config: unknown, className: ModelClassName = 'Sequential'): Sequential {
    const c = (Array.isArray(config) ? { layers: config } : config) as Record<string, unknown>;
    if (!c || !Array.isArray(c.layers)) {
      usageError(
        `A ${className} config needs a 'layers' list; found ${JSON.stringify(config)?.slice(0, 200)}.`,
      );
    }
    const entries = c.layers as (LayerConfig & { name?: string; inbound_nodes?: unknown[] })[];
    if (className !== 'Sequential') checkLinear(entries, String(c.name));
    const layers = entries.map((e) => deserializeLayer(e));
    const model = new Sequential(layers, {
      name: typeof c.name === 'string' ? c.name : undefined,
      className,
    });
    if (c.trainable === false) model.trainable = false;
    return model;
  }
}

/** Throws unless a functional config is a single chain (each layer fed by the one before). */
function checkLinear(entries: { name?: string; inbound_nodes?: unknown[] }[], model: string): void {
  entries.forEach((e, i) => {
    const nodes = e.inbound_nodes ?? [];
    if (i === 0) return;
    const node = nodes[0] as unknown[][] | undefined;
    const from = Array.isArray(node) && node.length === 1 && Array.isArray(node[0]) ? node[0][0] : undefined;
    const from2 = Array.isArray(node) && !Array.isArray(node[0]) ? (node as unknown[])[0] : from;
    if (nodes.length !== 1 || (from2 ?? from) !== entries[i - 1].name) {
      usageError(
        `Model ${model}: @convkit/layers loads functional models only when they are a single chain of layers; layer '${e.name}' is not fed by '${entries[i - 1].name}' alone (inbound_nodes ${JSON.stringify(nodes)}).`,
      );
    }
  });
}

function notBuilt(name: string): string {
  return `Model ${name} has not been built yet, so its shapes and parameters are unknown. Give the first layer an inputShape (e.g. conv2d({ ..., inputShape: [28, 28, 1] })) or call predict/fit once.`;
}

/** Builds a Sequential model from a list of layers (Keras `models.Sequential([...])`). */
export function sequential(layers: Layer[] = [], args: SequentialArgs = {}): Sequential {
  return new Sequential(layers, args);
}
