import * as tf from '@tensorflow/tfjs-core';
import { type GradConfig, mask, runKernel, unbroadcast } from './util';

type T = tf.Tensor;

/** Gradients of the binary element-wise kernels (with broadcasting). */
export const BINARY_GRADIENTS: GradConfig[] = [
  {
    kernelName: 'Add',
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, [a, b]) => ({
      a: () => unbroadcast(dy as T, a.shape),
      b: () => unbroadcast(dy as T, b.shape),
    }),
  },
  {
    kernelName: 'Sub',
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, [a, b]) => ({
      a: () => unbroadcast(dy as T, a.shape),
      b: () => unbroadcast(tf.neg(dy as T), b.shape),
    }),
  },
  {
    kernelName: 'Multiply',
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, [a, b]) => ({
      a: () => unbroadcast(tf.mul(dy as T, tf.cast(b, 'float32')), a.shape),
      b: () => unbroadcast(tf.mul(dy as T, tf.cast(a, 'float32')), b.shape),
    }),
  },
  {
    kernelName: 'RealDiv',
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, [a, b]) => ({
      a: () => unbroadcast(tf.div(dy as T, b), a.shape),
      b: () => unbroadcast(tf.neg(tf.div(tf.mul(dy as T, a), tf.square(b))), b.shape),
    }),
  },
  {
    kernelName: 'Maximum',
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, [a, b]) => ({
      a: () => unbroadcast(tf.mul(dy as T, mask(tf.greaterEqual(a, b))), a.shape),
      b: () => unbroadcast(tf.mul(dy as T, mask(tf.less(a, b))), b.shape),
    }),
  },
  {
    kernelName: 'Minimum',
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, [a, b]) => ({
      a: () => unbroadcast(tf.mul(dy as T, mask(tf.lessEqual(a, b))), a.shape),
      b: () => unbroadcast(tf.mul(dy as T, mask(tf.greater(a, b))), b.shape),
    }),
  },
  {
    kernelName: 'SquaredDifference',
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, [a, b]) => {
      const d = () => tf.mul(dy as T, tf.mul(tf.sub(a, b), 2));
      return { a: () => unbroadcast(d(), a.shape), b: () => unbroadcast(tf.neg(d()), b.shape) };
    },
  },
  {
    kernelName: 'Pow',
    inputsToSave: ['a', 'b'],
    outputsToSave: [true],
    gradFunc: (dy, [a, b, y]) => ({
      a: () => unbroadcast(tf.mul(dy as T, tf.mul(b, tf.pow(a, tf.sub(b, 1)))), a.shape),
      b: () => {
        const logA = tf.where(tf.greater(a, 0), tf.log(a), tf.zerosLike(a));
        return unbroadcast(tf.mul(dy as T, tf.mul(y, logA)), b.shape);
      },
    }),
  },
];

const unary = (kernelName: string, f: (dy: T, x: T) => T): GradConfig => ({
  kernelName,
  inputsToSave: ['x'],
  gradFunc: (dy, [x]) => ({ x: () => f(dy as T, x) }),
});

const unaryOfOutput = (kernelName: string, f: (dy: T, y: T) => T): GradConfig => ({
  kernelName,
  outputsToSave: [true],
  gradFunc: (dy, [y]) => ({ x: () => f(dy as T, y) }),
});

const zeroGrad = (kernelName: string): GradConfig => ({
  kernelName,
  inputsToSave: ['x'],
  gradFunc: (_dy, [x]) => ({ x: () => tf.zerosLike(x) }),
});

const SELU_SCALE = 1.0507009873554805;
const SELU_ALPHA = 1.6732632423543772;

/** Gradients of the unary element-wise kernels (activations and math). */
export const UNARY_GRADIENTS: GradConfig[] = [
  unary('Neg', (dy) => tf.neg(dy)),
  unary('Abs', (dy, x) => tf.mul(dy, tf.sign(x))),
  unaryOfOutput('Exp', (dy, y) => tf.mul(dy, y)),
  unary('Expm1', (dy, x) => tf.mul(dy, tf.exp(x))),
  unary('Log', (dy, x) => tf.div(dy, x)),
  unary('Log1p', (dy, x) => tf.div(dy, tf.add(x, 1))),
  unary('Sqrt', (dy, x) => tf.div(dy, tf.mul(tf.sqrt(x), 2))),
  unary('Rsqrt', (dy, x) => tf.mul(dy, tf.mul(tf.pow(x, -1.5), -0.5))),
  unary('Square', (dy, x) => tf.mul(dy, tf.mul(x, 2))),
  unary('Reciprocal', (dy, x) => tf.neg(tf.div(dy, tf.square(x)))),
  // step(x) is 1 where x > 0, else 0: one kernel instead of a comparison and a cast.
  unary('Relu', (dy, x) => tf.mul(dy, tf.step(x))),
  unary('Relu6', (dy, x) => tf.mul(dy, mask(tf.logicalAnd(tf.greater(x, 0), tf.less(x, 6))))),
  unaryOfOutput('Sigmoid', (dy, y) => tf.mul(dy, tf.mul(y, tf.sub(1, y)))),
  unaryOfOutput('Tanh', (dy, y) => tf.mul(dy, tf.sub(1, tf.square(y)))),
  unary('Softplus', (dy, x) => tf.mul(dy, tf.sigmoid(x))),
  unaryOfOutput('Elu', (dy, y) => runKernel('EluGrad', { dy, y }, {})),
  unary('Selu', (dy, x) =>
    tf.where(
      tf.greater(x, 0),
      tf.mul(dy, SELU_SCALE),
      tf.mul(dy, tf.mul(tf.exp(x), SELU_SCALE * SELU_ALPHA)),
    ),
  ),
  unary('Sin', (dy, x) => tf.mul(dy, tf.cos(x))),
  unary('Cos', (dy, x) => tf.neg(tf.mul(dy, tf.sin(x)))),
  unary('Identity', (dy) => dy),
  unary('Cast', (dy) => tf.cast(dy, 'float32')),
  {
    kernelName: 'LeakyRelu',
    inputsToSave: ['x'],
    gradFunc: (dy, [x], attrs) => ({
      x: () => tf.where(tf.greater(x, 0), dy as T, tf.mul(dy as T, attrs.alpha as number)),
    }),
  },
  {
    kernelName: 'ClipByValue',
    inputsToSave: ['x'],
    gradFunc: (dy, [x], attrs) => ({
      x: () =>
        tf.mul(
          dy as T,
          mask(
            tf.logicalAnd(
              tf.greaterEqual(x, attrs.clipValueMin as number),
              tf.lessEqual(x, attrs.clipValueMax as number),
            ),
          ),
        ),
    }),
  },
  ...['Sign', 'Floor', 'Ceil', 'Round', 'Step', 'IsNan', 'IsInf', 'IsFinite', 'ZerosLike', 'OnesLike'].map(
    zeroGrad,
  ),
  // Comparisons and logic feed only conditions (as in where(x > 0, ...)): no gradient flows through them.
  ...['Greater', 'GreaterEqual', 'Less', 'LessEqual', 'Equal', 'NotEqual', 'LogicalAnd', 'LogicalOr'].map(
    (kernelName): GradConfig => ({
      kernelName,
      inputsToSave: ['a', 'b'],
      gradFunc: (_dy, [a, b]) => ({ a: () => tf.zerosLike(a), b: () => tf.zerosLike(b) }),
    }),
  ),
  zeroGrad('LogicalNot'),
  {
    kernelName: 'AddN',
    saveAllInputs: true,
    gradFunc: (dy, saved) => Object.fromEntries(saved.map((_, i) => [i, () => tf.clone(dy as T)])),
  },
  {
    kernelName: 'Select',
    inputsToSave: ['condition'],
    gradFunc: (dy, [condition]) => ({
      condition: () => tf.cast(tf.zerosLike(condition), 'float32'),
      t: () => tf.where(condition, dy as T, tf.zerosLike(dy as T)),
      e: () => tf.where(condition, tf.zerosLike(dy as T), dy as T),
    }),
  },
];
