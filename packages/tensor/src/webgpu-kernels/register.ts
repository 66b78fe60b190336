import * as tf from '@tensorflow/tfjs-core';
import { ELEMENTWISE_KERNEL_CONFIG } from '../elementwise/webgpu-kernel';
import { ACCURACY_KERNEL_CONFIG } from './accuracy';
import { ADD_SUMS_KERNEL_CONFIG } from './add-sums';
import { CROSSENTROPY_GRADIENT, CROSSENTROPY_KERNEL_CONFIGS } from './crossentropy';
import { SOFTMAX_GRAD_KERNEL_CONFIG } from './softmax-grad';

/**
 * Registers convkit's WebGPU kernels (fused formulas, crossentropies and their gradient,
 * accuracies, softmax's gradient, running sums) where they are not yet. Called before each use,
 * so that a webgpu backend started any way finds them.
 */
export function ensureWebgpuKernels(): void {
  if (tf.getKernel(ELEMENTWISE_KERNEL_CONFIG.kernelName, 'webgpu')) return;
  for (const config of [
    ELEMENTWISE_KERNEL_CONFIG,
    ...CROSSENTROPY_KERNEL_CONFIGS,
    ACCURACY_KERNEL_CONFIG,
    SOFTMAX_GRAD_KERNEL_CONFIG,
    ADD_SUMS_KERNEL_CONFIG,
  ]) {
    tf.registerKernel(config);
  }
  if (!tf.getGradient(CROSSENTROPY_GRADIENT.kernelName)) tf.registerGradient(CROSSENTROPY_GRADIENT);
}
