import { join } from 'node:path';
import {
  type BatchSource,
  type Callback,
  type Logs,
  modelCheckpoint,
  type Sequential,
} from '@convkit/layers';
import { checkpointSaver, saveModel } from '@convkit/layers/node';
import type { CliContext } from '../context';
import { InterruptedError } from '../interrupt';
import { TensorBoardLogger } from '../tensorboard/tensorboard-logger';
import type { Progress } from '../ui/progress';
import { type TrainingState, truncateHistory, writeTrainingState } from './checkpoint-state';

/** Where a training run keeps its files: the best model, the resumable checkpoint. */
export interface TrainPaths {
  /** The best model so far (by `monitor`), a LayersModel folder. */
  best: string;
  /** The latest weights plus training-state.json, for --resume. */
  checkpoint: string;
}

/** Options of {@link runTraining}. */
export interface RunTrainingOptions {
  ctx: CliContext;
  /** A compiled model. */
  model: Sequential;
  train: BatchSource;
  validation?: BatchSource;
  epochs: number;
  stepsPerEpoch?: number;
  validationSteps?: number;
  paths: TrainPaths;
  /** The metric that picks the best model (default val_loss, as Keras's ModelCheckpoint). */
  monitor?: string;
  tensorboard?: string;
  /** Ctrl-C aborts this signal; training then saves a checkpoint and throws InterruptedError. */
  signal: AbortSignal;
  /** The state of an earlier run to continue (from --resume). */
  resume?: TrainingState;
  /** Saved in the state file so a resumed run can be checked against it. */
  config: Record<string, unknown>;
  /** Shown before each epoch's progress bar (for example 'plain' or 'augmented'). */
  label?: string;
}

/** What a finished run gives back. */
export interface TrainingResult {
  history: Record<string, number[]>;
  epochsDone: number;
  best: number | null;
  seconds: number;
}

class StopForInterrupt extends Error {}

const fmt = (logs: Logs) =>
  Object.entries(logs)
    .filter(([k]) => k !== 'batch' && k !== 'size')
    .map(([k, v]) => `${k}: ${v.toFixed(4)}`)
    .join(' - ');

/**
 * Keras's fit with what a terminal user expects around it: a progress bar per epoch (rate,
 * ETA, running loss), one summary line per epoch, the best model saved as it improves, a
 * checkpoint (weights + history) after every epoch for --resume, TensorBoard event files, and
 * Ctrl-C saving a checkpoint of the current weights before exiting with 130.
 */
export async function runTraining(options: RunTrainingOptions): Promise<TrainingResult> {
  const { ctx, model, epochs, paths, signal, resume, label } = options;
  const monitor = options.monitor ?? (options.validation ? 'val_loss' : 'loss');
  const history: Record<string, number[]> = resume ? truncateHistory(resume.history, resume.epochsDone) : {};
  const initialEpoch = resume?.epochsDone ?? 0;
  let epochsDone = initialEpoch;
  const started = performance.now();
  const best = modelCheckpoint({
    save: checkpointSaver(),
    filepath: paths.best,
    monitor,
    saveBestOnly: true,
  });
  if (resume?.best != null) best.best = resume.best;

  const state = (interrupted: boolean): TrainingState => ({
    version: 1,
    epochsDone,
    epochs,
    history,
    best: Number.isNaN(best.best) ? null : best.best,
    monitor,
    interrupted,
    config: options.config,
  });
  const saveCheckpoint = async (interrupted: boolean) => {
    // With the optimizer's state, so that --resume continues as if the run had not stopped.
    await saveModel(model, paths.checkpoint, { overwrite: true, includeOptimizer: true });
    await writeTrainingState(paths.checkpoint, state(interrupted));
  };

  const tensorboard = options.tensorboard ? new TensorBoardLogger(options.tensorboard) : undefined;
  const live = !ctx.options.quiet && Boolean(ctx.logStream.isTTY);
  let bar: Progress | undefined;
  let steps = options.stepsPerEpoch;
  const display: Callback = {
    wantsBatchLogs: live,
    setParams: (params) => {
      steps = params.steps ?? steps;
    },
    onEpochBegin: (epoch) => {
      const name = `${label ? `${label} ` : ''}epoch ${epoch + 1}/${epochs}`;
      bar = ctx.progress(name, steps ?? 0, 'steps', { finalLine: false });
    },
    onBatchEnd: (batch, logs) => {
      bar?.update(
        batch + 1,
        logs.loss !== undefined ? fmt({ loss: logs.loss, ...pickAcc(logs) }) : undefined,
      );
      if (signal.aborted) throw new StopForInterrupt();
    },
    onEpochEnd: async (epoch, logs) => {
      bar?.stop();
      bar = undefined;
      for (const [k, v] of Object.entries(logs)) (history[k] ??= []).push(v);
      epochsDone = epoch + 1;
      tensorboard?.onEpochEnd(epoch, logs);
      const secs = ((performance.now() - started) / 1000).toFixed(0);
      ctx.log(`${label ? `${label}: ` : ''}epoch ${epoch + 1}/${epochs} (${secs}s) - ${fmt(logs)}`);
    },
  };
  // Runs after the best-model checkpoint, so a resumed run knows the best value so far.
  const checkpointEachEpoch: Callback = { onEpochEnd: () => saveCheckpoint(false) };

  try {
    await model.fit(options.train, {
      epochs,
      initialEpoch,
      stepsPerEpoch: options.stepsPerEpoch,
      validationData: options.validation,
      validationSteps: options.validationSteps,
      callbacks: [display, best, checkpointEachEpoch],
    });
  } catch (error) {
    bar?.stop();
    if (error instanceof StopForInterrupt || signal.aborted) {
      await saveCheckpoint(true);
      throw new InterruptedError(
        `Training stopped by Ctrl-C after ${epochsDone} of ${epochs} epochs; checkpoint saved in ${paths.checkpoint}. Run the same command with --resume to continue.`,
      );
    }
    throw error;
  }
  return {
    history,
    epochsDone,
    best: Number.isNaN(best.best) ? null : best.best,
    seconds: (performance.now() - started) / 1000,
  };
}

function pickAcc(logs: Logs): Logs {
  const key = ['acc', 'accuracy'].find((k) => logs[k] !== undefined);
  return key ? { [key]: logs[key] } : {};
}

/** The standard places under an output folder: best/ and checkpoint/. */
export function trainPaths(dir: string): TrainPaths {
  return { best: join(dir, 'best'), checkpoint: join(dir, 'checkpoint') };
}
