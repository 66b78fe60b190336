import * as tf from '@tensorflow/tfjs-core';
import { conv2dBackpropFilterWasm } from './conv2d-backprop-filter';
import { conv2dBackpropInputWasm } from './conv2d-backprop-input';
import { maxPoolGradWasm } from './max-pool-grad';

/** The training kernels convkit adds to (or replaces in) tfjs-backend-wasm, by kernel name. */
export const WASM_TRAINING_KERNELS: readonly tf.KernelConfig[] = [
  { kernelName: tf.Conv2DBackpropFilter, backendName: 'wasm', kernelFunc: conv2dBackpropFilterWasm },
  { kernelName: tf.Conv2DBackpropInput, backendName: 'wasm', kernelFunc: conv2dBackpropInputWasm },
  { kernelName: tf.MaxPoolGrad, backendName: 'wasm', kernelFunc: maxPoolGradWasm },
];

/**
 * Registers convkit's gradient kernels for the wasm backend: Conv2DBackpropFilter (missing
 * from tfjs-backend-wasm 4.22), and faster Conv2DBackpropInput and MaxPoolGrad (replacing
 * the package's scalar-loop versions). Safe to call any number of times. Returns the names
 * of the kernels it registered on this call (empty when they already were).
 */
export function registerWasmTrainingKernels(): string[] {
  const registered: string[] = [];
  for (const config of WASM_TRAINING_KERNELS) {
    const current = tf.getKernel(config.kernelName, 'wasm');
    if (current?.kernelFunc === config.kernelFunc) continue;
    // Unregister first: registerKernel over an existing kernel logs a warning.
    if (current) tf.unregisterKernel(config.kernelName, 'wasm');
    tf.registerKernel(config);
    registered.push(config.kernelName);
  }
  return registered;
}
