import * as tf from '@tensorflow/tfjs-core';
import { BINARY_GRADIENTS, UNARY_GRADIENTS } from './elementwise';
import { FUSED_GRADIENTS } from './fused';
import { NN_GRADIENTS } from './nn';
import { REDUCTION_GRADIENTS } from './reductions';
import { SHAPE_GRADIENTS } from './shape-ops';

let done = false;

/**
 * Kernels whose gradient convkit registers even over one registered before (for example by
 * importing @tensorflow/tfjs-layers, which registers all of tfjs's): on tfjs's cpu backend
 * convkit's take a direct path in JS, where tfjs's call Conv2DBackpropFilter and MaxPoolGrad
 * kernels that take minutes per MNIST batch. Both compute the same values.
 */
const PREFERRED = new Set(['Conv2D', 'MaxPool']);

/** Every gradient this package can register, by kernel name. */
export const GRADIENTS: readonly tf.GradConfig[] = [
  ...BINARY_GRADIENTS,
  ...UNARY_GRADIENTS,
  ...REDUCTION_GRADIENTS,
  ...SHAPE_GRADIENTS,
  ...NN_GRADIENTS,
  ...FUSED_GRADIENTS,
];

/**
 * Registers gradients for the kernels a convnet uses (conv2d, pooling, matMul, activations,
 * element-wise math, reductions, reshape/slice/concat/gather, ...) where none is registered yet
 * (and over any for conv2d and max pooling, see PREFERRED).
 * tfjs-core's own gradients only register when its ESM entry `register_all_gradients` is bundled,
 * which node never loads, so tf.grad would fail with "gradient function not found". Idempotent;
 * layers call it when they are created, so importing @convkit/layers is enough.
 */
export function ensureGradients(): void {
  if (done) return;
  done = true;
  for (const config of GRADIENTS) {
    if (PREFERRED.has(config.kernelName) || !tf.getGradient(config.kernelName)) tf.registerGradient(config);
  }
}
