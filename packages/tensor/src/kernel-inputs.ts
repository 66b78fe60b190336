import type * as tf from '@tensorflow/tfjs-core';

/** A variable number of kernel inputs as tfjs passes them: named x0, x1, ... */
export function numberedInputs(tensors: readonly tf.Tensor[]): Record<string, tf.Tensor> {
  return Object.fromEntries(tensors.map((t, i) => [`x${i}`, t]));
}

/** The inputs x0, x1, ... of a kernel call, in order (other names are left out). */
export function inputsInOrder(inputs: tf.NamedTensorInfoMap): tf.TensorInfo[] {
  const out: tf.TensorInfo[] = [];
  for (let i = 0; `x${i}` in inputs; i++) out.push(inputs[`x${i}`] as tf.TensorInfo);
  return out;
}
