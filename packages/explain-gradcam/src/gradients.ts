import { ConvkitUsageError } from '@convkit/tensor';
import * as tf from '@tensorflow/tfjs-core';

/** Kernels every gradient through a convnet needs a registered gradient for. */
const NEEDED = ['Sum', 'Mean', 'Multiply', 'Add', 'Reshape', 'Relu'];

/**
 * Throws a clear error when tfjs-core's gradient functions are not registered (importing
 * '@tensorflow/tfjs-core' alone does not register them), instead of tfjs's "gradient function
 * not found for Sum" deep inside a computation.
 */
export function assertGradientsRegistered(what: string): void {
  const missing = NEEDED.filter((k) => tf.getGradient(k) === undefined);
  if (missing.length > 0) {
    throw new ConvkitUsageError(
      `${what} needs gradients, but tfjs-core has none registered for ${missing.join(', ')}. ` +
        `Import '@tensorflow/tfjs-core/dist/register_all_gradients' once in your app (bundlers), ` +
        `or import @tensorflow/tfjs (which registers them) before calling ${what}.`,
    );
  }
}
