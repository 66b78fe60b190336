import { expectNoLeakedTensors, forEachBackend } from '@convkit/tensor/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, expect, it } from 'vitest';
import { checkGradient } from './grad-check';
import { ensureGradients } from './register';

/** Distinct values spread over [lo, hi] in a shuffled order. */
function spread(shape: number[], lo: number, hi: number, seed: number): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const values = Array.from({ length: n }, (_, i) => lo + ((hi - lo) * (i + 0.5)) / n);
  let s = seed;
  for (let i = n - 1; i > 0; i--) {
    s = (s * 16807) % 2147483647;
    const j = s % (i + 1);
    [values[i], values[j]] = [values[j], values[i]];
  }
  return tf.tensor(values, shape);
}

/** A fixed weighting of the output, so each element contributes differently. */
const weighted = (y: tf.Tensor) => tf.sum(tf.mul(y, spread(y.shape, 0.5, 1.5, 7))) as tf.Scalar;

const fusedConv = (x: tf.Tensor, filter: tf.Tensor, bias: tf.Tensor, activation: string, strides = 1) =>
  tf.engine().runKernel(
    'FusedConv2D',
    { x, filter, bias } as never,
    {
      strides,
      pad: strides === 1 ? 'valid' : 'same',
      dataFormat: 'NHWC',
      dilations: [1, 1],
      activation,
    } as never,
  ) as tf.Tensor;

const fusedMatMul = (a: tf.Tensor, b: tf.Tensor, bias: tf.Tensor, activation: string, transposeB = false) =>
  tf.engine().runKernel(
    '_FusedMatMul',
    { a, b, bias } as never,
    {
      transposeA: false,
      transposeB,
      activation,
    } as never,
  ) as tf.Tensor;

const TOL = 5e-3;

forEachBackend(['cpu', 'wasm'], () => {
  beforeAll(() => ensureGradients());

  // Inputs, weights and biases chosen so that the sums keep away from relu's kink by more
  // than the finite-difference step.
  for (const activation of ['relu', 'linear']) {
    for (const strides of [1, 2]) {
      it(`FusedConv2D (${activation}, strides ${strides}) w.r.t. x, filter and bias`, async () => {
        const x = spread([2, 5, 5, 2], -1, 1, 2);
        const filter = spread([3, 3, 2, 3], -1, 1, 3);
        const bias = tf.tensor1d([0.3, -0.2, 0.1]);
        await expectNoLeakedTensors(() => {
          const errors = [
            checkGradient((t) => weighted(fusedConv(t, filter, bias, activation, strides)), x),
            checkGradient((t) => weighted(fusedConv(x, t, bias, activation, strides)), filter),
            checkGradient((t) => weighted(fusedConv(x, filter, t, activation, strides)), bias),
          ];
          for (const e of errors) expect(e).toBeLessThan(TOL);
        });
        tf.dispose([x, filter, bias]);
      });
    }
    it(`_FusedMatMul (${activation}) w.r.t. a, b and bias, plain and with b transposed`, async () => {
      const a = spread([1, 4, 3], -1, 1, 4);
      const b = spread([1, 3, 5], -1, 1, 5);
      const bt = tf.transpose(b, [0, 2, 1]);
      const bias = tf.tensor1d([0.05, -0.1, 0.2, 0.25, -0.25]);
      await expectNoLeakedTensors(() => {
        const errors = [
          checkGradient((t) => weighted(fusedMatMul(t, b, bias, activation)), a),
          checkGradient((t) => weighted(fusedMatMul(a, t, bias, activation)), b),
          checkGradient((t) => weighted(fusedMatMul(a, b, t, activation)), bias),
          checkGradient((t) => weighted(fusedMatMul(a, t, bias, activation, true)), bt),
        ];
        for (const e of errors) expect(e).toBeLessThan(TOL);
      });
      tf.dispose([a, b, bt, bias]);
    });
  }

  it('a relu gradient is zero where the fused output is zero', () => {
    tf.tidy(() => {
      const a = tf.tensor3d([[[1, -1]]]);
      const b = tf.tensor3d([[[1], [1]]]);
      const g = tf.grads((p: tf.Tensor, q: tf.Tensor) =>
        tf.sum(fusedMatMul(p, q, tf.tensor1d([-1]), 'relu')),
      )([a, b]);
      // a.b + bias = -1 < 0: relu cuts it, so nothing flows back.
      expect(Array.from(g[0].dataSync())).toEqual([0, 0]);
      expect(Array.from(g[1].dataSync())).toEqual([0, 0]);
    });
  });
});
