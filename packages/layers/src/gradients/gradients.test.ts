import { initBackend } from '@convkit/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkGradient } from './grad-check';
import { conv2dFilterGradJs, conv2dInputGradJs, maxPoolGradJs } from './nn';
import { ensureGradients, GRADIENTS } from './register';

/** Values spread over [lo, hi] in a shuffled order: distinct (no ties for max) and away from kinks. */
function spread(shape: number[], lo = -2, hi = 2, seed = 1): tf.Tensor {
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

/** A fixed random weighting, so each output element contributes differently to the scalar. */
function weighted(y: tf.Tensor): tf.Scalar {
  const w = spread(y.shape, 0.5, 1.5, 7);
  return tf.sum(tf.mul(y, w));
}

const TOL = 5e-3;

const CASES: [string, (x: tf.Tensor) => tf.Tensor, number[], [number, number]?][] = [
  ['Add (broadcast)', (x) => tf.add(x, tf.reshape(tf.mul(x, x), [2, 3])), [2, 3]],
  ['Add (broadcast of a row)', (x) => tf.add(tf.ones([4, 3]), x), [1, 3]],
  ['Sub', (x) => tf.sub(tf.ones([2, 3]), tf.mul(x, 3)), [2, 3]],
  ['Mul (broadcast)', (x) => tf.mul(x, tf.sum(x, 0, true)), [3, 2]],
  ['RealDiv', (x) => tf.div(tf.add(x, 5), tf.add(tf.square(x), 1)), [2, 3]],
  ['Maximum/Minimum', (x) => tf.add(tf.maximum(x, 0.1), tf.minimum(x, -0.1)), [2, 3]],
  ['SquaredDifference', (x) => tf.squaredDifference(x, tf.reverse(x, 1)), [2, 3]],
  ['Pow', (x) => tf.pow(tf.add(tf.abs(x), 1), tf.add(tf.mul(x, 0.5), 1)), [2, 3]],
  ['Neg/Abs', (x) => tf.add(tf.neg(x), tf.abs(x)), [2, 3]],
  [
    'Exp/Expm1/Log/Log1p',
    (x) => tf.add(tf.add(tf.exp(x), tf.expm1(x)), tf.add(tf.log(tf.add(x, 3)), tf.log1p(tf.add(x, 3)))),
    [2, 3],
  ],
  [
    'Sqrt/Rsqrt/Reciprocal',
    (x) => tf.add(tf.add(tf.sqrt(tf.add(x, 3)), tf.rsqrt(tf.add(x, 3))), tf.reciprocal(tf.add(x, 3))),
    [2, 3],
  ],
  ['Square', (x) => tf.square(x), [2, 3]],
  [
    'Relu/Relu6/LeakyRelu',
    (x) => tf.add(tf.add(tf.relu(x), tf.relu6(tf.mul(x, 4))), tf.leakyRelu(x, 0.3)),
    [2, 3],
    [-1.9, 1.9],
  ],
  ['Sigmoid/Tanh/Softplus', (x) => tf.add(tf.add(tf.sigmoid(x), tf.tanh(x)), tf.softplus(x)), [2, 3]],
  ['Elu/Selu', (x) => tf.add(tf.elu(x), tf.selu(x)), [2, 3]],
  ['Sin/Cos', (x) => tf.add(tf.sin(x), tf.cos(x)), [2, 3]],
  ['ClipByValue', (x) => tf.clipByValue(x, -1.05, 1.05), [2, 3]],
  ['Softmax', (x) => tf.softmax(x), [2, 4]],
  [
    'Sum/Mean (axes)',
    (x) => tf.add(tf.sum(tf.square(x), 1, true), tf.mean(tf.square(x), [1], true)),
    [2, 3, 2],
  ],
  ['Mean (all but one axis)', (x) => tf.mean(tf.square(x), [0, 2]), [2, 3, 2]],
  ['Max/Min', (x) => tf.add(tf.max(x, 1), tf.min(x, 0, false)), [3, 3]],
  [
    'Reshape/Transpose',
    (x) => tf.mul(tf.transpose(tf.reshape(x, [3, 2]), [1, 0]), tf.reshape(tf.range(1, 7), [2, 3])),
    [2, 3],
  ],
  ['ExpandDims/Reverse', (x) => tf.square(tf.reverse(tf.expandDims(x, 1), 2)), [2, 3]],
  ['Split', (x) => tf.square(tf.split(x, [1, 2], 1)[1]), [2, 3]],
  ['Unstack', (x) => tf.square(tf.unstack(x, 0)[1]), [2, 3]],
  ['LogSoftmax', (x) => tf.logSoftmax(x), [2, 4]],
  ['Slice', (x) => tf.slice(x, [0, 1], [2, 2]), [3, 3]],
  [
    'Pad',
    (x) =>
      tf.square(
        tf.pad(
          x,
          [
            [1, 0],
            [0, 2],
          ],
          0.5,
        ),
      ),
    [2, 3],
  ],
  ['Concat', (x) => tf.concat([x, tf.square(x), x], 1), [2, 2]],
  ['Stack', (x) => tf.stack([x, tf.square(x)], 1), [2, 3]],
  ['Tile', (x) => tf.square(tf.tile(x, [2, 3])), [2, 2]],
  ['Gather', (x) => tf.gather(x, tf.tensor1d([2, 0, 2], 'int32'), 1), [2, 3]],
  ['BroadcastTo', (x) => tf.square(tf.broadcastTo(x, [3, 2, 3])), [2, 1]],
  ['AddN', (x) => tf.addN([x, tf.square(x), x]), [2, 3]],
  ['Where', (x) => tf.where(tf.greater(x, 0), tf.square(x), tf.mul(x, 3)), [2, 3]],
  ['MatMul', (x) => tf.matMul(x, tf.square(x), false, true), [2, 3]],
  ['MatMul (transposed)', (x) => tf.matMul(x, tf.reshape(tf.range(1, 7), [2, 3]), true, false), [2, 3]],
  [
    'Conv2D valid',
    (x) => tf.conv2d(x as tf.Tensor4D, spread([3, 3, 2, 3], -1, 1, 3) as tf.Tensor4D, 1, 'valid'),
    [2, 5, 5, 2],
  ],
  [
    'Conv2D same strided',
    (x) => tf.conv2d(x as tf.Tensor4D, spread([3, 3, 2, 2], -1, 1, 3) as tf.Tensor4D, 2, 'same'),
    [1, 5, 6, 2],
  ],
  [
    'Conv2D w.r.t. filter',
    (k) => tf.conv2d(spread([2, 5, 5, 2], -1, 1, 5) as tf.Tensor4D, k as tf.Tensor4D, 1, 'same'),
    [3, 3, 2, 3],
  ],
  ['MaxPool', (x) => tf.maxPool(x as tf.Tensor4D, 2, 2, 'valid'), [2, 5, 5, 2]],
  ['MaxPool same', (x) => tf.maxPool(x as tf.Tensor4D, 3, 2, 'same'), [1, 5, 5, 1]],
  ['AvgPool', (x) => tf.avgPool(x as tf.Tensor4D, 2, 1, 'valid'), [1, 4, 4, 2]],
  // Square images: tfjs-backend-cpu's ResizeBilinearGrad swaps height and width of non-square inputs.
  ['ResizeBilinear', (x) => tf.image.resizeBilinear(x as tf.Tensor4D, [7, 7]), [1, 4, 4, 2]],
];

describe('registered gradients match finite differences', () => {
  beforeAll(async () => {
    await initBackend('cpu');
    ensureGradients();
  });

  it('computes conv2d filter and input gradients in JS (cpu) exactly as the backprop kernel does', () => {
    type Shape4 = [number, number, number, number];
    const configs: [Shape4, Shape4, number | [number, number], 'valid' | 'same'][] = [
      [[2, 7, 6, 3], [3, 3, 3, 4], 1, 'valid'],
      [[2, 7, 6, 3], [3, 3, 3, 4], 1, 'same'],
      [[1, 9, 8, 2], [3, 2, 2, 5], [2, 3], 'same'],
      [[3, 8, 8, 1], [5, 5, 1, 2], 2, 'valid'],
    ];
    for (const [xs, fs, strides, pad] of configs) {
      tf.tidy(() => {
        const x = spread(xs, -1, 1, 2);
        const out = tf.conv2d(x as tf.Tensor4D, tf.zeros(fs) as tf.Tensor4D, strides, pad);
        const dy = spread([...out.shape], -1, 1, 4);
        const byKernel = tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, {
          strides,
          pad,
          dataFormat: 'NHWC',
          filterShape: fs,
        } as never) as tf.Tensor;
        const byJs = conv2dFilterGradJs(x, dy, fs as [number, number, number, number], strides, pad);
        const diff = tf.max(tf.abs(tf.sub(byKernel, byJs))).dataSync()[0];
        const scale = tf.max(tf.abs(byKernel)).dataSync()[0];
        const filter = spread(fs, -1, 1, 9);
        const dxKernel = tf.engine().runKernel('Conv2DBackpropInput', { dy, filter }, {
          strides,
          pad,
          dataFormat: 'NHWC',
          inputShape: xs,
        } as never) as tf.Tensor;
        const dxJs = conv2dInputGradJs(dy, filter, xs as [number, number, number, number], strides, pad);
        const dxDiff = tf.max(tf.abs(tf.sub(dxKernel, dxJs))).dataSync()[0];
        const dxScale = tf.max(tf.abs(dxKernel)).dataSync()[0];
        expect(dxDiff / dxScale, `dx ${JSON.stringify([xs, fs, strides, pad])}`).toBeLessThan(1e-5);
        expect(diff / scale, JSON.stringify([xs, fs, strides, pad])).toBeLessThan(1e-5);
      });
    }
  });

  it('computes max pooling gradients in JS (cpu) exactly as the MaxPoolGrad kernel does', () => {
    const configs: [number[], number | [number, number], number | [number, number], 'valid' | 'same'][] = [
      [[2, 6, 6, 3], 2, 2, 'valid'],
      [[1, 7, 5, 2], 3, 2, 'same'],
      [[2, 5, 5, 1], [2, 3], 1, 'valid'],
    ];
    for (const [xs, size, strides, pad] of configs) {
      tf.tidy(() => {
        // Repeated values make ties: both must pick the first maximum.
        const x = tf.round(tf.mul(spread(xs, -1, 1, 6), 3));
        const y = tf.maxPool(x as tf.Tensor4D, size, strides, pad);
        const dy = spread([...y.shape], 0.5, 1.5, 8);
        const byKernel = tf.engine().runKernel('MaxPoolGrad', { dy, input: x, output: y }, {
          filterSize: size,
          strides,
          pad,
        } as never) as tf.Tensor;
        const byJs = maxPoolGradJs(dy, x, size, strides, pad);
        expect(Array.from(byJs.dataSync()), JSON.stringify([xs, size, strides, pad])).toEqual(
          Array.from(byKernel.dataSync()),
        );
      });
    }
  });

  it('registers a gradient for every kernel it lists', () => {
    for (const g of GRADIENTS) expect(tf.getGradient(g.kernelName), g.kernelName).toBeDefined();
  });

  for (const [name, f, shape, range] of CASES) {
    it(name, () => {
      const x = spread(shape, range?.[0] ?? -2, range?.[1] ?? 2);
      const before = tf.memory().numTensors;
      const err = checkGradient((t) => weighted(f(t)), x, 1e-2);
      expect(tf.memory().numTensors).toBe(before);
      expect(err).toBeLessThan(TOL);
      x.dispose();
    });
  }
});
