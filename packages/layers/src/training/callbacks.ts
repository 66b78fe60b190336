import type * as tf from '@tensorflow/tfjs-core';
import { usageError } from '../core/errors';

/** Loss and metric values by name: { loss, acc, val_loss, val_acc }. */
export type Logs = Record<string, number>;

/** What a callback can see of the model being trained. */
export interface TrainingModel {
  name: string;
  /** Set to true to stop training after the current epoch (early stopping does). */
  stopTraining: boolean;
  getWeights(): tf.Tensor[];
  setWeights(values: tf.Tensor[]): void;
}

/**
 * Hooks into fit/evaluate/predict (Keras's callbacks, camelCase). Every hook may return a
 * promise, which training awaits. Batch logs hold `batch` and `size`; with `wantsBatchLogs`
 * they also hold the loss and metrics averaged over the epoch so far (which costs one read
 * from the backend per batch).
 */
export interface Callback {
  /** Ask for loss and metric values in onBatchEnd's logs. */
  wantsBatchLogs?: boolean;
  setModel?(model: TrainingModel): void;
  setParams?(params: TrainingParams): void;
  onTrainBegin?(logs: Logs): void | Promise<void>;
  onTrainEnd?(logs: Logs): void | Promise<void>;
  onEpochBegin?(epoch: number, logs: Logs): void | Promise<void>;
  onEpochEnd?(epoch: number, logs: Logs): void | Promise<void>;
  onBatchBegin?(batch: number, logs: Logs): void | Promise<void>;
  onBatchEnd?(batch: number, logs: Logs): void | Promise<void>;
}

/** Facts about a fit run that callbacks get before it starts (Keras's `params`). */
export interface TrainingParams {
  epochs: number;
  /** Batches per epoch, when known. */
  steps?: number;
  /** Training samples, when known (tensor input). */
  samples?: number;
  batchSize?: number;
  /** Names that will appear in epoch logs, in order: loss, metrics, then val_ ones. */
  metrics: string[];
}

/** Runs a list of callbacks, in order, awaiting each. */
export class CallbackList {
  constructor(readonly callbacks: Callback[]) {}

  /** True when some callback asked for per-batch values. */
  get wantsBatchLogs(): boolean {
    return this.callbacks.some((c) => c.wantsBatchLogs);
  }

  /** True when some callback has a batch hook. */
  get hasBatchHooks(): boolean {
    return this.callbacks.some((c) => c.onBatchBegin || c.onBatchEnd);
  }

  /** Hands the model to every callback. */
  setModel(model: TrainingModel): void {
    for (const c of this.callbacks) c.setModel?.(model);
  }
  /** Hands the run's parameters to every callback. */
  setParams(params: TrainingParams): void {
    for (const c of this.callbacks) c.setParams?.(params);
  }
  /** Runs onTrainBegin hooks. */
  async trainBegin(logs: Logs = {}): Promise<void> {
    for (const c of this.callbacks) await c.onTrainBegin?.(logs);
  }
  /** Runs onTrainEnd hooks. */
  async trainEnd(logs: Logs = {}): Promise<void> {
    for (const c of this.callbacks) await c.onTrainEnd?.(logs);
  }
  /** Runs onEpochBegin hooks. */
  async epochBegin(epoch: number, logs: Logs = {}): Promise<void> {
    for (const c of this.callbacks) await c.onEpochBegin?.(epoch, logs);
  }
  /** Runs onEpochEnd hooks. */
  async epochEnd(epoch: number, logs: Logs): Promise<void> {
    for (const c of this.callbacks) await c.onEpochEnd?.(epoch, logs);
  }
  /** Runs onBatchBegin hooks. */
  async batchBegin(batch: number, logs: Logs): Promise<void> {
    for (const c of this.callbacks) await c.onBatchBegin?.(batch, logs);
  }
  /** Runs onBatchEnd hooks. */
  async batchEnd(batch: number, logs: Logs): Promise<void> {
    for (const c of this.callbacks) await c.onBatchEnd?.(batch, logs);
  }
}

/** What fit() returns: per-epoch values by name, as Keras's History object. */
export class History implements Callback {
  /** Epoch indices that ran. */
  readonly epoch: number[] = [];
  /** Each logged name (loss, acc, val_loss, ...) mapped to its per-epoch values. */
  readonly history: Record<string, number[]> = {};
  /** The fit run's parameters. */
  params?: TrainingParams;

  setParams(params: TrainingParams): void {
    this.params = params;
  }

  onEpochEnd(epoch: number, logs: Logs): void {
    this.epoch.push(epoch);
    for (const [k, v] of Object.entries(logs)) {
      this.history[k] ??= [];
      this.history[k].push(v);
    }
  }
}

type Mode = 'auto' | 'min' | 'max';

/** Keras's 'auto' mode: maximise names with 'acc' in them, minimise the rest. */
function better(mode: Mode, monitor: string, minDelta: number): (current: number, best: number) => boolean {
  const max =
    mode === 'max' || (mode === 'auto' && (monitor.includes('acc') || monitor.startsWith('fmeasure')));
  const delta = Math.abs(minDelta);
  return max ? (c, b) => c - delta > b : (c, b) => c + delta < b;
}

function checkMode(mode: string): Mode {
  if (mode !== 'auto' && mode !== 'min' && mode !== 'max')
    usageError(`mode must be 'auto', 'min' or 'max'; found '${mode}'.`);
  return mode;
}

/** Options of `earlyStopping` (Keras's EarlyStopping arguments, camelCase). */
export interface EarlyStoppingArgs {
  /** The logged value to watch (default 'val_loss'). */
  monitor?: string;
  /** Smallest change that counts as an improvement (default 0). */
  minDelta?: number;
  /** Epochs without improvement before stopping (default 0). */
  patience?: number;
  /** 'min', 'max', or 'auto' (max for accuracies). */
  mode?: Mode;
  /** Stop if the value does not beat this baseline. */
  baseline?: number;
  /** Put back the weights of the best epoch when stopping (default false). */
  restoreBestWeights?: boolean;
}

/** Stops training when a monitored value stops improving (Keras's EarlyStopping). */
export class EarlyStopping implements Callback {
  readonly monitor: string;
  readonly patience: number;
  /** The epoch training stopped at (0 when it did not stop early). */
  stoppedEpoch = 0;
  private readonly improved: (current: number, best: number) => boolean;
  private readonly baseline?: number;
  private readonly restoreBestWeights: boolean;
  private model?: TrainingModel;
  private wait = 0;
  private best = Number.NaN;
  private bestWeights?: tf.Tensor[];

  constructor(args: EarlyStoppingArgs = {}) {
    this.monitor = args.monitor ?? 'val_loss';
    this.patience = args.patience ?? 0;
    this.improved = better(checkMode(args.mode ?? 'auto'), this.monitor, args.minDelta ?? 0);
    this.baseline = args.baseline;
    this.restoreBestWeights = args.restoreBestWeights ?? false;
  }

  setModel(model: TrainingModel): void {
    this.model = model;
  }

  onTrainBegin(): void {
    this.wait = 0;
    this.stoppedEpoch = 0;
    this.best = this.baseline ?? Number.NaN;
    this.disposeBest();
  }

  onEpochEnd(epoch: number, logs: Logs): void {
    const current = logs[this.monitor];
    if (current === undefined) {
      usageError(
        `EarlyStopping monitors '${this.monitor}', which is not logged; available: ${Object.keys(logs).join(', ')}.`,
      );
    }
    if (Number.isNaN(this.best) || this.improved(current, this.best)) {
      this.best = current;
      this.wait = 0;
      if (this.restoreBestWeights && this.model) {
        this.disposeBest();
        this.bestWeights = this.model.getWeights();
      }
      return;
    }
    this.wait++;
    if (this.wait >= this.patience && this.model) {
      this.stoppedEpoch = epoch;
      this.model.stopTraining = true;
      if (this.bestWeights) this.model.setWeights(this.bestWeights);
    }
  }

  onTrainEnd(): void {
    this.disposeBest();
  }

  private disposeBest(): void {
    if (this.bestWeights) for (const t of this.bestWeights) t.dispose();
    this.bestWeights = undefined;
  }
}

/** Saves a model; ModelCheckpoint calls it with the formatted path (the I/O package's saver fits). */
export type SaveFunction = (
  model: TrainingModel,
  path: string,
  info: { epoch: number; logs: Logs },
) => unknown;

/** Options of `modelCheckpoint`. */
export interface ModelCheckpointArgs {
  /** Does the saving, e.g. `(model, path) => saveModel(model, path)` from @convkit/layers/node. */
  save: SaveFunction;
  /** Where to save; may hold Keras placeholders like 'model.{epoch:02d}-{val_loss:.2f}'. */
  filepath: string;
  /** The logged value that decides "best" (default 'val_loss'). */
  monitor?: string;
  /** Only save when the monitored value improves (default false: save every epoch). */
  saveBestOnly?: boolean;
  /** 'min', 'max' or 'auto'. */
  mode?: Mode;
}

/** Fills Keras's filepath placeholders: {epoch:02d} (1-based) and {name:.2f}/{name} from the logs. */
export function formatCheckpointPath(template: string, epoch: number, logs: Logs): string {
  return template.replace(/\{(\w+)(?::([^}]*))?\}/g, (match, key: string, spec?: string) => {
    const value = key === 'epoch' ? epoch + 1 : logs[key];
    if (value === undefined) return match;
    const m = spec ? /^0?(\d*)(?:\.(\d+))?([dfe])?$/.exec(spec) : null;
    if (!m) return String(value);
    const [, width, precision, kind] = m;
    let text =
      kind === 'd'
        ? String(Math.round(value))
        : precision !== undefined
          ? value.toFixed(Number(precision))
          : String(value);
    if (width && spec?.startsWith('0')) text = text.padStart(Number(width), '0');
    return text;
  });
}

/** Saves the model after epochs, or only when the monitored value improves (Keras's ModelCheckpoint). */
export class ModelCheckpoint implements Callback {
  readonly monitor: string;
  readonly saveBestOnly: boolean;
  /** The best monitored value seen so far. */
  best = Number.NaN;
  private readonly improved: (current: number, best: number) => boolean;
  private model?: TrainingModel;

  constructor(private readonly args: ModelCheckpointArgs) {
    if (typeof args.save !== 'function')
      usageError('modelCheckpoint needs a save function: { save: (model, path) => ... }.');
    this.monitor = args.monitor ?? 'val_loss';
    this.saveBestOnly = args.saveBestOnly ?? false;
    this.improved = better(checkMode(args.mode ?? 'auto'), this.monitor, 0);
  }

  setModel(model: TrainingModel): void {
    this.model = model;
  }

  async onEpochEnd(epoch: number, logs: Logs): Promise<void> {
    if (!this.model) return;
    if (this.saveBestOnly) {
      const current = logs[this.monitor];
      if (current === undefined) {
        usageError(
          `ModelCheckpoint monitors '${this.monitor}', which is not logged; available: ${Object.keys(logs).join(', ')}.`,
        );
      }
      if (!Number.isNaN(this.best) && !this.improved(current, this.best)) return;
      this.best = current;
    }
    await this.args.save(this.model, formatCheckpointPath(this.args.filepath, epoch, logs), { epoch, logs });
  }
}

/** Options of the CSV and JSON-lines loggers. */
export interface LoggerArgs {
  /** Receives each line of text (newline included): append it to a file, a buffer, the console. */
  write: (text: string) => unknown;
  /** CSV separator (default ','). */
  separator?: string;
}

/**
 * Writes one CSV row per epoch, Keras's CSVLogger layout: a header `epoch,<sorted log keys>`,
 * then the values.
 */
export class CSVLogger implements Callback {
  private keys?: string[];

  constructor(private readonly args: LoggerArgs) {}

  onTrainBegin(): void {
    this.keys = undefined;
  }

  async onEpochEnd(epoch: number, logs: Logs): Promise<void> {
    const sep = this.args.separator ?? ',';
    if (!this.keys) {
      this.keys = Object.keys(logs).sort();
      await this.args.write(`${['epoch', ...this.keys].join(sep)}\n`);
    }
    await this.args.write(`${[epoch, ...this.keys.map((k) => logs[k] ?? '')].join(sep)}\n`);
  }
}

/** Writes one JSON object per epoch (and per batch with `batches: true`) as JSON lines. */
export class JSONLinesLogger implements Callback {
  readonly wantsBatchLogs: boolean;

  constructor(private readonly args: LoggerArgs & { batches?: boolean }) {
    this.wantsBatchLogs = args.batches ?? false;
  }

  async onEpochEnd(epoch: number, logs: Logs): Promise<void> {
    await this.args.write(`${JSON.stringify({ event: 'epoch', epoch, ...logs })}\n`);
  }

  async onBatchEnd(batch: number, logs: Logs): Promise<void> {
    if (this.wantsBatchLogs) await this.args.write(`${JSON.stringify({ event: 'batch', ...logs, batch })}\n`);
  }
}

/** Early stopping (Keras `callbacks.EarlyStopping`). */
export function earlyStopping(args: EarlyStoppingArgs = {}): EarlyStopping {
  return new EarlyStopping(args);
}

/** Model checkpoint (Keras `callbacks.ModelCheckpoint`) with a pluggable save function. */
export function modelCheckpoint(args: ModelCheckpointArgs): ModelCheckpoint {
  return new ModelCheckpoint(args);
}

/** CSV logger (Keras `callbacks.CSVLogger`) writing through `write`. */
export function csvLogger(args: LoggerArgs): CSVLogger {
  return new CSVLogger(args);
}

/** JSON-lines logger writing through `write`. */
export function jsonLinesLogger(args: LoggerArgs & { batches?: boolean }): JSONLinesLogger {
  return new JSONLinesLogger(args);
}
