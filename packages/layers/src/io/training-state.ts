/**
 * The training half of a saved model: compile()'s settings (always saved with a compiled model,
 * as Keras does) and the optimizer's state (with `includeOptimizer`, as tfjs-layers does).
 * Loading restores both when it can, and otherwise warns and goes on, as Keras's load_model does.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { Sequential } from '../model/sequential';
import type { NamedTensor } from '../training/optimizers';
import { compileArgsFromTrainingConfig } from '../training/training-config';

/** The weight-manifest group tfjs gives optimizer state. */
export const OPTIMIZER_GROUP = 'optimizer';

/** A compiled model's optimizer state as weight specs (group 'optimizer') and their bytes. */
export async function optimizerArtifacts(
  model: Sequential,
): Promise<{ specs: tf.io.WeightsManifestEntry[]; parts: ArrayBuffer[] }> {
  const specs: tf.io.WeightsManifestEntry[] = [];
  const parts: ArrayBuffer[] = [];
  const state = model.optimizer?.getWeights(model.weights) ?? [];
  try {
    for (const { name, tensor } of state) {
      const dtype = tensor.dtype === 'int32' ? 'int32' : 'float32';
      specs.push({ name, shape: [...tensor.shape], dtype, group: OPTIMIZER_GROUP });
      parts.push(((await tensor.data()) as Float32Array | Int32Array).slice().buffer as ArrayBuffer);
    }
  } finally {
    for (const { tensor } of state) tensor.dispose();
  }
  return { specs, parts };
}

/**
 * Compiles a loaded model from its saved training config, then gives the optimizer its saved
 * state. Where either cannot be used, warns (naming `source` and what to do) and leaves the
 * model uncompiled, or compiled with a fresh optimizer.
 */
export function restoreTraining(
  model: Sequential,
  trainingConfig: unknown,
  optimizerState: readonly NamedTensor[],
  source: string,
): void {
  if (trainingConfig === undefined || trainingConfig === null) return;
  try {
    model.compile(compileArgsFromTrainingConfig(trainingConfig));
  } catch (error) {
    warn(
      `${source}: loaded uncompiled, because its training config cannot be used: ${(error as Error).message}. ` +
        `Call model.compile() before fit or evaluate.`,
    );
    return;
  }
  if (optimizerState.length === 0) return;
  try {
    model.optimizer?.setWeights(optimizerState, model.weights);
  } catch (error) {
    warn(
      `${source}: compiled with a fresh optimizer, because its saved optimizer state does not fit: ` +
        `${(error as Error).message}`,
    );
  }
}

function warn(message: string): void {
  console.warn(`[@convkit/layers] ${message}`);
}
