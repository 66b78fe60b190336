import * as tf from '@tensorflow/tfjs-core';

/** max |a - b| as a number, leaving no tensors behind (test helper; not exported by the package). */
export function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  const t = tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))));
  const v = t.dataSync()[0];
  t.dispose();
  return v;
}
