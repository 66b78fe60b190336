import * as tf from '@tensorflow/tfjs-core';
import { ELEMENTWISE_WEBGL_KERNEL_CONFIG } from '../elementwise/webgl-kernel';
import { ELEMENTWISE_KERNEL_CONFIG } from '../elementwise/webgpu-kernel';
import { ACCURACY_WEBGL_KERNEL_CONFIG } from './accuracy-webgl';
import { ACCURACY_WEBGPU_KERNEL_CONFIG } from './accuracy-webgpu';
import type { FusedKernelBackend } from './active-gpu';
import { ADD_SUMS_WEBGL_KERNEL_CONFIG } from './add-sums-webgl';
import { ADD_SUMS_WEBGPU_KERNEL_CONFIG } from './add-sums-webgpu';
import { conv2dBackpropFilterWebgpu } from './conv-filter-grad-webgpu';
import { conv2dWebgpu, fusedConv2dWebgpu } from './conv2d-webgpu';
import { CROSSENTROPY_GRADIENT } from './crossentropy-gradient';
import { CROSSENTROPY_WEBGL_KERNEL_CONFIGS } from './crossentropy-webgl';
import { CROSSENTROPY_WEBGPU_KERNEL_CONFIGS } from './crossentropy-webgpu';
import { maxPoolGradWebgpu } from './max-pool-grad-webgpu';
import { SOFTMAX_GRAD_WEBGL_KERNEL_CONFIG } from './softmax-grad-webgl';
import { SOFTMAX_GRAD_WEBGPU_KERNEL_CONFIG } from './softmax-grad-webgpu';

/** convkit's fused kernels for each GPU backend: formulas, crossentropies and their gradient, accuracies, softmax's gradient, running sums. */
const KERNELS: Record<FusedKernelBackend, tf.KernelConfig[]> = {
  webgpu: [
    ELEMENTWISE_KERNEL_CONFIG,
    ...CROSSENTROPY_WEBGPU_KERNEL_CONFIGS,
    ACCURACY_WEBGPU_KERNEL_CONFIG,
    SOFTMAX_GRAD_WEBGPU_KERNEL_CONFIG,
    ADD_SUMS_WEBGPU_KERNEL_CONFIG,
  ],
  webgl: [
    ELEMENTWISE_WEBGL_KERNEL_CONFIG,
    ...CROSSENTROPY_WEBGL_KERNEL_CONFIGS,
    ACCURACY_WEBGL_KERNEL_CONFIG,
    SOFTMAX_GRAD_WEBGL_KERNEL_CONFIG,
    ADD_SUMS_WEBGL_KERNEL_CONFIG,
  ],
};

/**
 * Registers convkit's fused kernels for `backend` where they are not yet. Called before each
 * use, so that a backend started any way finds them.
 */
export function ensureFusedKernels(backend: FusedKernelBackend): void {
  if (!tf.getKernel(KERNELS[backend][0].kernelName, backend)) {
    for (const config of KERNELS[backend]) tf.registerKernel(config);
    // A webgpu backend started without initBackend gets convkit's gradients here, once.
    if (backend === 'webgpu') replaceWebgpuKernels();
  }
  if (!tf.getGradient(CROSSENTROPY_GRADIENT.kernelName)) tf.registerGradient(CROSSENTROPY_GRADIENT);
}

/** tfjs-backend-webgpu kernels convkit replaces, as wrappers that can still call the original. */
const WEBGPU_WRAPPERS: Record<string, (original: tf.KernelFunc) => tf.KernelFunc> = {
  [tf.Conv2D]: conv2dWebgpu,
  [tf.FusedConv2D]: fusedConv2dWebgpu,
  [tf.Conv2DBackpropFilter]: conv2dBackpropFilterWebgpu,
  [tf.MaxPoolGrad]: maxPoolGradWebgpu,
};

/** The wrapped configs, made once per kernel so that a second call recognises them. */
const wrappedWebgpu = new Map<string, tf.KernelConfig>();

/**
 * Puts convkit's versions of tfjs-backend-webgpu kernels in the registry (conv2d, the conv2d filter
 * gradient and the max-pool gradient), once tfjs-backend-webgpu has registered its own; any
 * number of calls.
 */
export function replaceWebgpuKernels(): void {
  for (const [name, wrap] of Object.entries(WEBGPU_WRAPPERS)) {
    const current = tf.getKernel(name, 'webgpu');
    if (!current || current === wrappedWebgpu.get(name)) continue;
    const config = { ...current, kernelFunc: wrap(current.kernelFunc) };
    wrappedWebgpu.set(name, config);
    tf.unregisterKernel(name, 'webgpu');
    tf.registerKernel(config);
  }
}
