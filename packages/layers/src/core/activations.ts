import * as tf from '@tensorflow/tfjs-core';
import { usageError } from './errors';

/** Keras activation names this package knows. */
export const ACTIVATIONS = [
  'linear',
  'relu',
  'relu6',
  'sigmoid',
  'hard_sigmoid',
  'softmax',
  'tanh',
  'elu',
  'selu',
  'softplus',
  'softsign',
  'exponential',
  'swish',
] as const;

/** A Keras activation name: 'relu', 'softmax', 'sigmoid', ... */
export type ActivationName = (typeof ACTIVATIONS)[number];

type Fn = (x: tf.Tensor) => tf.Tensor;

const FNS: Record<ActivationName, Fn> = {
  linear: (x) => x,
  relu: (x) => tf.relu(x),
  relu6: (x) => tf.relu6(x),
  sigmoid: (x) => tf.sigmoid(x),
  // Keras: clip(0.2 * x + 0.5, 0, 1).
  hard_sigmoid: (x) => tf.clipByValue(tf.add(tf.mul(x, 0.2), 0.5), 0, 1),
  softmax: (x) => tf.softmax(x, -1),
  tanh: (x) => tf.tanh(x),
  elu: (x) => tf.elu(x),
  selu: (x) => tf.selu(x),
  softplus: (x) => tf.softplus(x),
  softsign: (x) => tf.div(x, tf.add(tf.abs(x), 1)),
  exponential: (x) => tf.exp(x),
  swish: (x) => tf.mul(x, tf.sigmoid(x)),
};

/** Checks an activation name (null/undefined mean 'linear'), naming the layer in errors. */
export function checkActivation(name: string | null | undefined, layer: string): ActivationName {
  const a = (name ?? 'linear') as ActivationName;
  if (!(a in FNS)) {
    usageError(`Layer ${layer}: unknown activation '${name}'; expected one of ${ACTIVATIONS.join(', ')}.`);
  }
  return a;
}

/** Applies a Keras activation by name. */
export function activate(name: ActivationName, x: tf.Tensor): tf.Tensor {
  return FNS[name](x);
}
