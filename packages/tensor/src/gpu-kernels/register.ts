import * as tf from '@tensorflow/tfjs-core';
import { ELEMENTWISE_WEBGL_KERNEL_CONFIG } from '../elementwise/webgl-kernel';
import { ELEMENTWISE_KERNEL_CONFIG } from '../elementwise/webgpu-kernel';
import { ACCURACY_WEBGL_KERNEL_CONFIG } from './accuracy-webgl';
import { ACCURACY_WEBGPU_KERNEL_CONFIG } from './accuracy-webgpu';
import type { FusedKernelBackend } from './active-gpu';
import { ADD_SUMS_WEBGL_KERNEL_CONFIG } from './add-sums-webgl';
import { ADD_SUMS_WEBGPU_KERNEL_CONFIG } from './add-sums-webgpu';
import { conv2dBackpropFilterWebgl } from './conv-filter-grad-webgl';
import { conv2dBackpropFilterWebgpu } from './conv-filter-grad-webgpu';
import { conv2dWebgpu, fusedConv2dWebgpu } from './conv2d-webgpu';
import { CROSSENTROPY_GRADIENT } from './crossentropy-gradient';
import { CROSSENTROPY_WEBGL_KERNEL_CONFIGS } from './crossentropy-webgl';
import { CROSSENTROPY_WEBGPU_KERNEL_CONFIGS } from './crossentropy-webgpu';
import { maxPoolGradWebgpu } from './max-pool-grad-webgpu';
import { maxPoolGradWebgl, maxPoolWebgl } from './max-pool-webgl';
import { SOFTMAX_GRAD_WEBGL_KERNEL_CONFIG } from './softmax-grad-webgl';
import { SOFTMAX_GRAD_WEBGPU_KERNEL_CONFIG } from './softmax-grad-webgpu';
import { softmaxWebgl } from './softmax-webgl';
import { sumLeadingAxesWebgl } from './sum-leading-axes-webgl';

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
    // A backend started without initBackend gets convkit's replacements here, once.
    replaceGpuKernels(backend);
  }
  if (!tf.getGradient(CROSSENTROPY_GRADIENT.kernelName)) tf.registerGradient(CROSSENTROPY_GRADIENT);
}

/** The tfjs kernels convkit replaces on each GPU backend, as wrappers that can still call the original. */
const WRAPPERS: Record<FusedKernelBackend, Record<string, (original: tf.KernelFunc) => tf.KernelFunc>> = {
  webgpu: {
    [tf.Conv2D]: conv2dWebgpu,
    [tf.FusedConv2D]: fusedConv2dWebgpu,
    [tf.Conv2DBackpropFilter]: conv2dBackpropFilterWebgpu,
    [tf.MaxPoolGrad]: maxPoolGradWebgpu,
  },
  webgl: {
    [tf.Conv2DBackpropFilter]: conv2dBackpropFilterWebgl,
    [tf.MaxPool]: maxPoolWebgl,
    [tf.MaxPoolGrad]: maxPoolGradWebgl,
    [tf.Softmax]: softmaxWebgl,
    [tf.Sum]: sumLeadingAxesWebgl,
  },
};

/** The wrapped configs, by backend and kernel, made once so that a second call recognises them. */
const wrapped = new Map<string, tf.KernelConfig>();

/**
 * Puts convkit's versions of tfjs kernels in the registry for `backend` (webgpu: conv2d, the
 * conv2d filter gradient and the max-pool gradient; webgl: the filter gradient, max-pooling and
 * its gradient, softmax, and sums over leading axes), once the tfjs backend has registered its
 * own; any number of calls.
 */
export function replaceGpuKernels(backend: FusedKernelBackend): void {
  for (const [name, wrap] of Object.entries(WRAPPERS[backend])) {
    const current = tf.getKernel(name, backend);
    const key = `${backend}/${name}`;
    if (!current || current === wrapped.get(key)) continue;
    const config = { ...current, kernelFunc: wrap(current.kernelFunc) };
    wrapped.set(key, config);
    tf.unregisterKernel(name, backend);
    tf.registerKernel(config);
  }
}

/** The names of the tfjs kernels whose registration for `backend` is convkit's replacement now. */
export function replacedGpuKernels(backend: FusedKernelBackend): string[] {
  return Object.keys(WRAPPERS[backend]).filter((name) => {
    const current = tf.getKernel(name, backend);
    return current !== undefined && current === wrapped.get(`${backend}/${name}`);
  });
}
