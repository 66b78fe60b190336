import { initBackend } from '@convkit/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Layer } from '../core/layer';
import { setSeed } from '../core/seed';
import { checkGradient, numericGradient, relativeError } from '../gradients/grad-check';
import { sequential } from '../model/sequential';
import { activation } from './activation';
import { conv2d } from './conv2d';
import { dense } from './dense';
import { dropout } from './dropout';
import { flatten } from './flatten';
import { globalAveragePooling2d, globalMaxPooling2d } from './global-pooling2d';
import { averagePooling2d, maxPooling2d } from './max-pooling2d';

/** Distinct values in [lo, hi], shuffled: no ties for max pooling, few near relu's kink. */
function distinct(shape: number[], lo = -1, hi = 1, seed = 3): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = Array.from({ length: n }, (_, i) => lo + ((hi - lo) * (i + 0.5)) / n);
  let s = seed;
  for (let i = n - 1; i > 0; i--) {
    s = (s * 48271) % 2147483647;
    const j = s % (i + 1);
    [v[i], v[j]] = [v[j], v[i]];
  }
  return tf.tensor(v, shape);
}

const loss = (y: tf.Tensor) => tf.sum(tf.mul(y, distinct(y.shape, 0.5, 1.5, 11)));

/** Relative errors of the input gradient and of each weight's gradient of `layer`, against finite differences. */
function layerGradientErrors(layer: Layer, inputShape: number[], training = false): number[] {
  const x = distinct(inputShape);
  const f = (t: tf.Tensor) => loss(layer.apply(t, { training })) as tf.Scalar;
  const errors = [checkGradient(f, x, 1e-2)];
  for (const w of layer.weights) {
    const { value, grads } = tf.variableGrads(() => f(x) as tf.Scalar, [w.variable]);
    const analytic = Object.values(grads)[0].dataSync().slice();
    tf.dispose([value, ...Object.values(grads)]);
    const original = tf.clone(w.variable);
    const numeric = numericGradient(
      (v) => {
        w.variable.assign(v);
        return f(x) as tf.Scalar;
      },
      original,
      1e-2,
    );
    w.variable.assign(original);
    original.dispose();
    errors.push(relativeError(analytic, numeric));
  }
  x.dispose();
  return errors;
}

const TOL = 5e-3;

describe('each layer’s gradients match finite differences', () => {
  beforeAll(async () => {
    await initBackend('cpu');
    setSeed(1);
  });

  const cases: [string, () => Layer, number[]][] = [
    [
      'Conv2D valid + relu',
      () => conv2d({ filters: 3, kernelSize: 3, activation: 'relu', biasInitializer: 'ones' }),
      [2, 5, 5, 2],
    ],
    [
      'Conv2D same, strides 2, linear',
      () => conv2d({ filters: 2, kernelSize: 3, strides: 2, padding: 'same' }),
      [1, 6, 5, 2],
    ],
    ['Conv2D sigmoid', () => conv2d({ filters: 2, kernelSize: [2, 3], activation: 'sigmoid' }), [1, 4, 4, 1]],
    ['Conv2D dilation 2, valid', () => conv2d({ filters: 2, kernelSize: 3, dilationRate: 2 }), [2, 7, 6, 2]],
    [
      'Conv2D dilation [2, 3], same, relu',
      () =>
        conv2d({
          filters: 3,
          kernelSize: [3, 2],
          dilationRate: [2, 3],
          padding: 'same',
          activation: 'relu',
          biasInitializer: 'ones',
        }),
      [1, 6, 7, 2],
    ],
    [
      'Dense relu (bias 1 keeps units away from the kink)',
      () => dense({ units: 4, activation: 'relu', biasInitializer: 'ones' }),
      [3, 5],
    ],
    ['Dense softmax', () => dense({ units: 4, activation: 'softmax' }), [3, 5]],
    ['Dense on rank 3', () => dense({ units: 2, activation: 'tanh' }), [2, 3, 4]],
    ['MaxPooling2D valid', () => maxPooling2d({ poolSize: 2 }), [2, 5, 5, 2]],
    [
      'MaxPooling2D same strides 1',
      () => maxPooling2d({ poolSize: 3, strides: 1, padding: 'same' }),
      [1, 4, 4, 2],
    ],
    ['AveragePooling2D', () => averagePooling2d({ poolSize: 2 }), [1, 4, 4, 2]],
    ['Flatten', () => flatten(), [2, 3, 2, 2]],
    ['GlobalAveragePooling2D', () => globalAveragePooling2d(), [2, 3, 3, 2]],
    ['GlobalMaxPooling2D', () => globalMaxPooling2d(), [2, 3, 3, 2]],
    ['Activation softmax', () => activation({ activation: 'softmax' }), [2, 5]],
    ['Activation elu', () => activation({ activation: 'elu' }), [2, 5]],
  ];

  for (const [name, make, shape] of cases) {
    it(name, () => {
      const layer = make();
      layer.build([null, ...shape.slice(1)]);
      const before = tf.memory().numTensors;
      const errors = layerGradientErrors(layer, shape);
      expect(tf.memory().numTensors).toBe(before);
      for (const e of errors) expect(e).toBeLessThan(TOL);
      layer.dispose();
    });
  }

  it('Conv2D refuses strides and dilation both above 1, as Keras does', () => {
    expect(() => conv2d({ filters: 2, kernelSize: 3, strides: 2, dilationRate: 2 })).toThrow(
      /strides \[2,2\] and dilationRate \[2,2\] cannot both be above 1/,
    );
  });

  it('Dropout in training scales kept inputs by 1/(1-rate) and passes their gradient', () => {
    const layer = dropout({ rate: 0.25, seed: 3 });
    const x = distinct([4, 50], 1, 2);
    const g = tf.grad((t: tf.Tensor) => tf.sum(layer.apply(t, { training: true })))(x);
    const values = Array.from(g.dataSync());
    expect(values.every((v) => v === 0 || Math.abs(v - 1 / 0.75) < 1e-6)).toBe(true);
    tf.dispose([x, g]);
  });

  it('a whole convnet’s weight gradients match finite differences', () => {
    const model = sequential([
      conv2d({
        filters: 2,
        kernelSize: 3,
        activation: 'relu',
        inputShape: [6, 6, 1],
        biasInitializer: 'ones',
      }),
      maxPooling2d({ poolSize: 2 }),
      flatten(),
      dense({ units: 3, activation: 'softmax' }),
    ]);
    const errors = layerGradientErrors(model, [2, 6, 6, 1]);
    for (const e of errors) expect(e).toBeLessThan(TOL);
    model.dispose();
  });
});
