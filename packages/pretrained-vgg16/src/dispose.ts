import type { Layer } from '@convkit/layers';
import * as tf from '@tensorflow/tfjs-core';

/**
 * Frees every weight variable of a model, nested models included (a model built by vgg16 holds
 * 14.7M to 138M values). The model cannot be used afterwards.
 */
export function disposeModel(model: Layer): void {
  tf.dispose(model.weights.map((w) => w.variable));
  model.dispose();
}
