import * as tf from '@tensorflow/tfjs-core';
import { aliasWhenUnchanged } from './alias-copies';
import { conv2dBackpropFilterWasm } from './conv2d-backprop-filter';
import { conv2dBackpropInputWasm } from './conv2d-backprop-input';
import { withExplicitTransposes } from './matmul-transposes';
import { maxPoolGradWasm } from './max-pool-grad';
import { withLeadingAxesSum } from './sum-leading-axes';
import { withBlockTile } from './tile';
import { withWinograd } from './winograd-conv2d';

/** Kernels convkit adds to tfjs-backend-wasm or replaces there outright. */
const OWN_KERNELS: readonly tf.KernelConfig[] = [
  { kernelName: tf.Conv2DBackpropFilter, backendName: 'wasm', kernelFunc: conv2dBackpropFilterWasm },
  { kernelName: tf.Conv2DBackpropInput, backendName: 'wasm', kernelFunc: conv2dBackpropInputWasm },
  { kernelName: tf.MaxPoolGrad, backendName: 'wasm', kernelFunc: maxPoolGradWasm },
];

/** tfjs-backend-wasm kernels convkit wraps with a faster path for the cases training hits. */
const WRAPPERS: Record<string, (original: tf.KernelFunc) => tf.KernelFunc> = {
  [tf.BatchMatMul]: withExplicitTransposes,
  [tf._FusedMatMul]: withExplicitTransposes,
  [tf.Sum]: withLeadingAxesSum,
  [tf.Tile]: withBlockTile,
  [tf.Conv2D]: withWinograd,
  [tf.FusedConv2D]: withWinograd,
  [tf.Identity]: aliasWhenUnchanged,
  [tf.Cast]: aliasWhenUnchanged,
};

/** The wrapper configs, made once per kernel so that registering again can recognise them. */
const wrapped = new Map<string, tf.KernelConfig>();

/** The names of the wasm kernels convkit registers: its own and the ones it wraps. */
export const WASM_TRAINING_KERNELS: readonly string[] = [
  ...OWN_KERNELS.map((k) => k.kernelName),
  ...Object.keys(WRAPPERS),
];

/**
 * Registers convkit's training kernels for the wasm backend: Conv2DBackpropFilter (missing
 * from tfjs-backend-wasm 4.22), XNNPACK-based Conv2DBackpropInput and a one-pass MaxPoolGrad
 * (replacing the package's scalar loops), fast paths for BatchMatMul/_FusedMatMul with
 * transposed inputs and for Sum over leading axes (the dense and bias gradients), Tile as block
 * copies (every reduction's gradient broadcasts), and Identity/Cast that share unchanged data
 * instead of copying it. Call it
 * before or after the wasm backend starts, any number of times. Returns the names of the
 * kernels registered by this call (empty when all already were).
 */
export function registerWasmTrainingKernels(): string[] {
  const registered: string[] = [];
  for (const config of OWN_KERNELS) {
    if (replace(config)) registered.push(config.kernelName);
  }
  for (const [name, wrap] of Object.entries(WRAPPERS)) {
    const current = tf.getKernel(name, 'wasm');
    if (!current) continue; // not in this tfjs-backend-wasm: nothing to speed up
    let config = wrapped.get(name);
    if (!config) {
      // Keep the original's setupFunc: the backend runs it when it starts, and the original
      // kernelFunc (called by the wrapper) needs what it sets up.
      config = { ...current, kernelFunc: wrap(current.kernelFunc) };
      wrapped.set(name, config);
    }
    if (replace(config)) registered.push(name);
  }
  return registered;
}

/** Puts `config` in the registry unless it is already there; true when it registered it. */
function replace(config: tf.KernelConfig): boolean {
  const current = tf.getKernel(config.kernelName, 'wasm');
  if (current?.kernelFunc === config.kernelFunc) return false;
  // Unregister first: registerKernel over an existing kernel logs a warning.
  if (current) tf.unregisterKernel(config.kernelName, 'wasm');
  tf.registerKernel(config);
  return true;
}
