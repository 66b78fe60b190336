import { ensureGradients } from '@convkit/layers';
import * as tf from '@tensorflow/tfjs-core';

/** What {@link gradientAscent} reports after each step. */
export interface AscentStep {
  /** Steps done so far (1 after the first). */
  step: number;
  steps: number;
  /** Each image's objective before this step. */
  losses: number[];
}

/** Options of {@link gradientAscent}. */
export interface AscentOptions {
  /** Number of updates. Default 40, as the chapter. */
  steps?: number;
  /** Step size in input units. Default 1, as the chapter. */
  stepSize?: number;
  /** Called after each step. */
  onStep?: (info: AscentStep) => void;
}

/** The image after gradient ascent and its objective values along the way. */
export interface AscentResult {
  /** The final input batch; the caller disposes it. */
  image: tf.Tensor4D;
  /**
   * `losses[i][k]` is image k's objective before step i; the last entry (index `steps`) is its
   * value after the final step.
   */
  losses: number[][];
}

/**
 * Gradient ascent in input space, as the chapter's filter visualisation: each step computes the
 * gradient of every image's objective with respect to that image, divides it by its root mean
 * square plus 1e-5 (per image), and adds it times `stepSize`. `objective` maps a batch
 * [n, h, w, c] to one value per image [n]; images must not interact (no batch statistics).
 * `start` is not disposed.
 */
export async function gradientAscent(
  objective: (x: tf.Tensor4D) => tf.Tensor,
  start: tf.Tensor4D,
  { steps = 40, stepSize = 1, onStep }: AscentOptions = {},
): Promise<AscentResult> {
  // node never loads tfjs-core's own gradients; @convkit/layers registers the ones convnets need.
  ensureGradients();
  const losses: number[][] = [];
  let x = tf.clone(start);
  try {
    for (let step = 0; step < steps; step++) {
      let perImage: tf.Tensor | undefined;
      const next = tf.tidy(() => {
        const grad = tf.grad((xi: tf.Tensor) => {
          perImage = tf.keep(objective(xi as tf.Tensor4D));
          return tf.sum(perImage);
        })(x);
        const rms = tf.add(tf.sqrt(tf.mean(tf.square(grad), [1, 2, 3], true)), 1e-5);
        return tf.add(x, tf.mul(tf.div(grad, rms), stepSize)) as tf.Tensor4D;
      });
      tf.dispose(x);
      x = next;
      const values = perImage ? Array.from(await perImage.data()) : [];
      tf.dispose(perImage);
      losses.push(values);
      onStep?.({ step: step + 1, steps, losses: values });
    }
    const last = tf.tidy(() => objective(x));
    losses.push(Array.from(await last.data()));
    tf.dispose(last);
    return { image: x, losses };
  } catch (error) {
    tf.dispose(x);
    throw error;
  }
}
