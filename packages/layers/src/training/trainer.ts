import { createRandom, type Random } from '@convkit/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { usageError } from '../core/errors';
import type { ApplyOptions, LayerWeight } from '../core/layer';
import { layerRandom } from '../core/seed';
import { formatShape, type Shape } from '../core/shape';
import { Accumulator } from './accumulator';
import { BatchPuller, type BatchSource, isBatchSource } from './batch-source';
import { type Callback, CallbackList, History, type Logs, type TrainingModel } from './callbacks';
import type { CompiledConfig } from './compile';
import { SampleRows } from './sample-rows';

/** What the training loop needs from a model. */
export interface TrainableModel extends TrainingModel {
  apply(x: tf.Tensor, opts?: ApplyOptions): tf.Tensor;
  readonly outputShape: Shape;
  readonly built: boolean;
  readonly trainableWeights: LayerWeight[];
}

/** Options of `fit` (Keras's fit arguments, camelCase). */
export interface FitArgs {
  /** Samples per gradient step for tensor input (default 32). */
  batchSize?: number;
  /** Number of epochs (default 1); with initialEpoch, the index of the last epoch + 1. */
  epochs?: number;
  /** Epoch to start counting from (default 0), to resume training. */
  initialEpoch?: number;
  /** Shuffle tensor samples before each epoch (default true). */
  shuffle?: boolean;
  /** Seed for shuffling (default: drawn from setSeed's generator). */
  seed?: number | string;
  /** Fraction of the tensor samples held out for validation: the last ones, before shuffling (as Keras). */
  validationSplit?: number;
  /** Validation data: [x, y] tensors or a batch source. */
  validationData?: [tf.Tensor, tf.Tensor] | BatchSource;
  /** Batch size for tensor validation data (default batchSize). */
  validationBatchSize?: number;
  /** Batches per epoch for a batch source (default its length, else until it runs out). */
  stepsPerEpoch?: number;
  /** Validation batches per epoch for a validation source (default its length, else until it runs out). */
  validationSteps?: number;
  /** Callbacks: hooks, earlyStopping, modelCheckpoint, loggers. */
  callbacks?: Callback | Callback[];
  /** 0 silent (default), 1 or 2: one line per epoch through `print`. */
  verbose?: 0 | 1 | 2;
  /** Where verbose lines go (default console.log). */
  print?: (line: string) => void;
}

/** Options of `evaluate`. */
export interface EvaluateArgs {
  /** Samples per forward pass for tensor input (default 32). */
  batchSize?: number;
  /** Batches to pull from a batch source (default its length, else until it runs out). */
  steps?: number;
  /** Callbacks (their batch hooks run). */
  callbacks?: Callback | Callback[];
}

/** A stream of [x, y] batches for one epoch. */
type Batches = AsyncGenerator<[tf.Tensor, tf.Tensor], void>;

const YIELD_MS = 200;

function checkPositiveInt(value: number, what: string): number {
  if (!Number.isInteger(value) || value <= 0)
    usageError(`${what} must be a positive integer; found ${value}.`);
  return value;
}

/** Batches of tensors, in order or in a shuffled order (see SampleRows for how they are cut). */
async function* tensorBatches(
  x: SampleRows,
  y: SampleRows,
  n: number,
  batchSize: number,
  rng?: Random,
): Batches {
  const order = rng ? Int32Array.from(rng.shuffle(Array.from({ length: n }, (_, i) => i))) : undefined;
  for (let start = 0; start < n; start += batchSize) {
    const size = Math.min(batchSize, n - start);
    if (order) {
      const idx = order.subarray(start, start + size);
      yield [x.take(idx), y.take(idx)];
    } else {
      yield [x.range(start, size), y.range(start, size)];
    }
  }
}

/** Batches of tensor data x, y (read once per call on backends that keep tensors in CPU memory). */
function tensorData(x: tf.Tensor, y: tf.Tensor): (batchSize: number, rng?: Random) => Batches {
  const xs = new SampleRows(x);
  const ys = new SampleRows(y);
  return (batchSize, rng) => tensorBatches(xs, ys, x.shape[0], batchSize, rng);
}

/** `steps` batches from a source (or until it ends), each checked to hold labels. */
async function* sourceBatches(puller: BatchPuller, steps: number, what: string): Batches {
  for (let step = 0; step < steps; step++) {
    const batch = await puller.next(step === 0);
    if (!batch) return;
    const [x, y] = batch;
    if (!(y instanceof tf.Tensor)) {
      tf.dispose(x);
      usageError(
        `${what}: the batch source yielded a batch without labels; training and evaluation need [x, y].`,
      );
    }
    yield [x, y];
  }
}

function checkPair(x: tf.Tensor, y: tf.Tensor, what: string): void {
  if (!(x instanceof tf.Tensor) || !(y instanceof tf.Tensor)) usageError(`${what} expects tensors x and y.`);
  if (x.shape[0] !== y.shape[0]) {
    usageError(
      `${what}: x and y must hold the same number of samples; found ${x.shape[0]} inputs (shape ${formatShape(x.shape)}) and ${y.shape[0]} labels (shape ${formatShape(y.shape)}).`,
    );
  }
}

/**
 * Trains and evaluates a compiled model: one tf.tidy per step, loss and metric sums kept on
 * the backend and read once per epoch (or per batch only when a callback asks), optimizer
 * state allocated once, only trainable weights updated.
 */
export class Trainer {
  private readonly names: string[];

  constructor(
    private readonly model: TrainableModel,
    private readonly config: CompiledConfig,
  ) {
    this.names = ['loss', ...config.metrics.map((m) => m.name)];
  }

  /** Loss then metric names, as evaluate() returns them (Keras's metrics_names). */
  get metricsNames(): string[] {
    return [...this.names];
  }

  /** Per-sample loss and metrics for a batch. */
  private perSample(y: tf.Tensor, pred: tf.Tensor): tf.Tensor[] {
    const { loss, metrics } = this.config;
    const labels = loss.kerasName === 'sparse_categorical_crossentropy' ? y : tf.cast(y, 'float32');
    return [loss.perSample(labels, pred), ...metrics.map((m) => m.perSample(labels, pred))];
  }

  private prepareLabels(y: tf.Tensor): tf.Tensor {
    return this.config.loss.prepareLabels(y, this.model.outputShape);
  }

  /** One optimizer step on a batch; adds its loss and metrics to `acc`. */
  private trainStep(x: tf.Tensor, y: tf.Tensor, weights: LayerWeight[], acc: Accumulator): void {
    tf.tidy(() => {
      const labels = this.prepareLabels(y);
      if (weights.length === 0) {
        const pred = this.model.apply(x, { training: true });
        acc.add(this.perSample(labels, pred), x.shape[0]);
        return;
      }
      let pred: tf.Tensor | undefined;
      let lossPerSample: tf.Tensor | undefined;
      const vars = weights.map((w) => w.variable);
      const labelsF = this.castLabels(labels);
      const { grads } = tf.variableGrads(() => {
        pred = tf.keep(this.model.apply(x, { training: true }));
        lossPerSample = tf.keep(this.config.loss.perSample(labelsF, pred));
        return tf.mean(lossPerSample) as tf.Scalar;
      }, vars);
      this.config.optimizer.applyGradients(vars.map((v) => ({ variable: v, grad: grads[v.name] })));
      acc.add([lossPerSample!, ...this.config.metrics.map((m) => m.perSample(labelsF, pred!))], x.shape[0]);
      tf.dispose([pred!, lossPerSample!]);
    });
  }

  private castLabels(y: tf.Tensor): tf.Tensor {
    return this.config.loss.kerasName === 'sparse_categorical_crossentropy' ? y : tf.cast(y, 'float32');
  }

  /** Forward passes over batches, accumulating loss and metrics; disposes each batch. */
  private async evaluateBatches(batches: Batches, acc: Accumulator, cbs?: CallbackList): Promise<void> {
    let step = 0;
    let lastYield = performance.now();
    for await (const [x, y] of batches) {
      try {
        await cbs?.batchBegin(step, { batch: step, size: x.shape[0] });
        tf.tidy(() => {
          const labels = this.prepareLabels(y);
          acc.add(this.perSample(labels, this.model.apply(x)), x.shape[0]);
        });
      } finally {
        tf.dispose([x, y]);
      }
      if (cbs?.hasBatchHooks) await cbs.batchEnd(step, { batch: step, size: x.shape[0] });
      step++;
      lastYield = await maybeYield(lastYield);
    }
  }

  /** Keras's evaluate: [loss, ...metrics] averaged over the samples. */
  async evaluate(
    x: tf.Tensor | BatchSource,
    y: tf.Tensor | undefined,
    args: EvaluateArgs = {},
  ): Promise<number[]> {
    const cbs = new CallbackList(toList(args.callbacks));
    cbs.setModel(this.model);
    const acc = new Accumulator(this.names);
    try {
      let batches: Batches;
      if (isBatchSource(x)) {
        const puller = new BatchPuller(x, `evaluate on ${this.model.name}`);
        batches = sourceBatches(puller, puller.stepsPerEpoch(args.steps), 'evaluate');
      } else {
        if (!y) usageError('evaluate(x, y): labels y are required with tensor input.');
        checkPair(x, y, 'evaluate');
        batches = tensorData(x, y)(checkPositiveInt(args.batchSize ?? 32, 'batchSize'));
      }
      await this.evaluateBatches(batches, acc, cbs);
      const logs = await acc.read();
      return this.names.map((n) => logs[n]);
    } finally {
      acc.dispose();
    }
  }

  /** Keras's fit on tensors or on a batch source. */
  async fit(x: tf.Tensor | BatchSource, y: tf.Tensor | undefined, args: FitArgs = {}): Promise<History> {
    const epochs = args.epochs ?? 1;
    const initialEpoch = args.initialEpoch ?? 0;
    if (!Number.isInteger(epochs) || epochs < 0)
      usageError(`fit: epochs must be a non-negative integer; found ${epochs}.`);
    const batchSize = checkPositiveInt(args.batchSize ?? 32, 'fit: batchSize');
    const rng = args.seed !== undefined ? createRandom(args.seed) : layerRandom(undefined, 'fit');

    // Training data.
    let trainX: tf.Tensor | undefined;
    let trainY: tf.Tensor | undefined;
    let valX: tf.Tensor | undefined;
    let valY: tf.Tensor | undefined;
    let ownVal = false;
    let puller: BatchPuller | undefined;
    let steps: number | undefined;
    if (isBatchSource(x)) {
      if (args.validationSplit)
        usageError('fit: validationSplit needs tensor input; give validationData for a batch source.');
      puller = new BatchPuller(x, `fit on ${this.model.name}`);
      steps = puller.stepsPerEpoch(args.stepsPerEpoch);
    } else {
      if (!y) usageError('fit(x, y): labels y are required with tensor input.');
      checkPair(x, y, 'fit');
      const split = args.validationSplit ?? 0;
      if (!(split >= 0 && split < 1)) usageError(`fit: validationSplit must be in [0, 1); found ${split}.`);
      if (split > 0) {
        if (args.validationData) usageError('fit: give validationSplit or validationData, not both.');
        const n = x.shape[0];
        const at = Math.floor(n * (1 - split));
        if (at === 0 || at === n)
          usageError(`fit: validationSplit ${split} of ${n} samples leaves one side empty.`);
        [trainX, valX] = tf.split(x, [at, n - at], 0);
        [trainY, valY] = tf.split(y, [at, n - at], 0);
        ownVal = true;
      } else {
        trainX = x;
        trainY = y;
      }
      steps = Math.ceil(trainX.shape[0] / batchSize);
      // Check labels against the loss before any work.
      tf.tidy(() => {
        this.prepareLabels(trainY!);
      });
    }

    // Validation data.
    const vd = args.validationData;
    let valPuller: BatchPuller | undefined;
    let valSteps = Number.POSITIVE_INFINITY;
    if (vd !== undefined) {
      if (isBatchSource(vd)) {
        valPuller = new BatchPuller(vd, `fit on ${this.model.name} (validation)`);
        valSteps = valPuller.stepsPerEpoch(args.validationSteps);
      } else if (Array.isArray(vd) && vd.length >= 2) {
        [valX, valY] = vd;
        checkPair(valX, valY, 'fit: validationData');
      } else {
        usageError('fit: validationData must be [x, y] tensors or a batch source.');
      }
    }
    const hasVal = valPuller !== undefined || valX !== undefined;
    const valBatchSize = checkPositiveInt(args.validationBatchSize ?? batchSize, 'fit: validationBatchSize');

    const history = new History();
    const userCallbacks = toList(args.callbacks);
    const cbs = new CallbackList([history, ...userCallbacks]);
    const metricNames = [...this.names, ...(hasVal ? this.names.map((n) => `val_${n}`) : [])];
    cbs.setModel(this.model);
    cbs.setParams({
      epochs,
      steps: Number.isFinite(steps) ? steps : undefined,
      samples: trainX?.shape[0],
      batchSize: trainX ? batchSize : undefined,
      metrics: metricNames,
    });
    const print = args.print ?? console.log;
    const verbose = args.verbose ?? 0;
    const acc = new Accumulator(this.names);
    const valAcc = new Accumulator(this.names);
    const trainData = trainX ? tensorData(trainX, trainY!) : undefined;
    const valData = valX ? tensorData(valX, valY!) : undefined;
    this.model.stopTraining = false;
    let lastYield = performance.now();
    try {
      await cbs.trainBegin();
      for (let epoch = initialEpoch; epoch < epochs; epoch++) {
        const started = performance.now();
        await cbs.epochBegin(epoch);
        acc.reset();
        const weights = this.model.trainableWeights;
        const batches =
          puller !== undefined
            ? sourceBatches(puller, steps ?? Number.POSITIVE_INFINITY, 'fit')
            : trainData!(batchSize, args.shuffle === false ? undefined : rng);
        let step = 0;
        for await (const [bx, by] of batches) {
          const size = bx.shape[0];
          try {
            if (cbs.hasBatchHooks) await cbs.batchBegin(step, { batch: step, size });
            this.trainStep(bx, by, weights, acc);
          } finally {
            tf.dispose([bx, by]);
          }
          if (cbs.hasBatchHooks) {
            const logs: Logs = { batch: step, size };
            if (cbs.wantsBatchLogs) Object.assign(logs, await acc.read());
            await cbs.batchEnd(step, logs);
          }
          step++;
          lastYield = await maybeYield(lastYield);
          if (this.model.stopTraining) break;
        }
        const logs: Logs = await acc.read();
        if (hasVal) {
          valAcc.reset();
          const vb = valPuller
            ? sourceBatches(valPuller, valSteps, 'fit (validation)')
            : valData!(valBatchSize);
          await this.evaluateBatches(vb, valAcc);
          Object.assign(logs, await valAcc.read('val_'));
        }
        if (verbose) {
          const secs = ((performance.now() - started) / 1000).toFixed(0);
          print(`Epoch ${epoch + 1}/${epochs}`);
          print(
            `${step}/${step} - ${secs}s - ${Object.entries(logs)
              .map(([k, v]) => `${k}: ${v.toFixed(4)}`)
              .join(' - ')}`,
          );
        }
        await cbs.epochEnd(epoch, logs);
        if (this.model.stopTraining) break;
      }
      await cbs.trainEnd();
    } finally {
      acc.dispose();
      valAcc.dispose();
      if (ownVal) tf.dispose([trainX!, trainY!, valX!, valY!]);
    }
    return history;
  }
}

function toList(callbacks: Callback | Callback[] | undefined): Callback[] {
  if (!callbacks) return [];
  return Array.isArray(callbacks) ? callbacks : [callbacks];
}

/** Lets other tasks (timers, UI, I/O) run about every YIELD_MS of training. */
async function maybeYield(last: number): Promise<number> {
  const now = performance.now();
  if (now - last < YIELD_MS) return last;
  await new Promise((resolve) => setTimeout(resolve, 0));
  return performance.now();
}
