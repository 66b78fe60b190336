import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CliUsageError } from '../errors';
import { writeFileAtomic } from '../io/atomic';

/** The file beside the checkpoint model that says how far training got. */
export const STATE_FILE = 'training-state.json';

/** What `--resume` needs: epochs done, the history so far, and the best monitored value. */
export interface TrainingState {
  version: 1;
  /** Epochs completed (the next run starts at this epoch index). */
  epochsDone: number;
  /** The epochs asked for. */
  epochs: number;
  /** Per-epoch values of loss, acc, val_loss, val_acc for the completed epochs. */
  history: Record<string, number[]>;
  /** The best value of the monitored metric so far (for the best-model checkpoint). */
  best: number | null;
  monitor: string;
  /** True when the run was stopped by Ctrl-C (rather than finishing or crashing). */
  interrupted: boolean;
  /** The options the run was started with, to check a resumed run matches. */
  config: Record<string, unknown>;
}

/** Writes the state file atomically into the checkpoint folder. */
export async function writeTrainingState(dir: string, state: TrainingState): Promise<void> {
  await writeFileAtomic(join(dir, STATE_FILE), `${JSON.stringify(state, null, 2)}\n`);
}

/** Reads the state of an earlier run from a checkpoint folder, with a clear error when there is none. */
export function readTrainingState(dir: string): TrainingState {
  const path = join(dir, STATE_FILE);
  if (!existsSync(path)) {
    throw new CliUsageError(
      `--resume: no checkpoint in ${dir} (${STATE_FILE} is missing). Start without --resume, or point --out at the folder of the run to continue.`,
    );
  }
  let state: TrainingState;
  try {
    state = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new CliUsageError(`--resume: ${path} is not valid JSON (${(error as Error).message}).`);
  }
  if (state.version !== 1 || !Number.isInteger(state.epochsDone) || typeof state.history !== 'object') {
    throw new CliUsageError(`--resume: ${path} is not a convkit training state.`);
  }
  return state;
}

/** Cuts every history series to its first `epochs` values. */
export function truncateHistory(history: Record<string, number[]>, epochs: number): Record<string, number[]> {
  return Object.fromEntries(Object.entries(history).map(([k, v]) => [k, v.slice(0, epochs)]));
}
