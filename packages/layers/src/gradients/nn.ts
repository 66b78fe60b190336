import * as tf from '@tensorflow/tfjs-core';
import { usageError } from '../core/errors';
import { type GradConfig, runKernel, unbroadcast } from './util';

type T = tf.Tensor;

/**
 * Backends whose Conv2DBackpropFilter kernel is slower than the same sum done as one matMul
 * over image patches. tfjs-backend-cpu's kernel reads every element through TensorBuffer.get in
 * a seven-deep loop (about 190 s for one MNIST batch of 64); patches + matMul take under a second.
 */
const PATCH_FILTER_GRAD_BACKENDS = new Set(['cpu']);

/**
 * dW[kh, kw, ci, co] = sum over b, oy, ox of xPadded[b, oy*s + kh, ox*s + kw, ci] * dy[b, oy, ox, co],
 * computed as patches[M, KH*KW*ci]^T x dy[M, co] with M = b * oh * ow.
 */
export function conv2dFilterGradByPatches(
  x: T,
  dy: T,
  filterShape: [number, number, number, number],
  strides: number | [number, number],
  pad: unknown,
  dimRoundingMode?: unknown,
): T {
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    strides,
    1,
    pad as 'valid',
    dimRoundingMode as 'floor' | undefined,
  );
  const { top, bottom, left, right } = info.padInfo;
  const xp =
    top || bottom || left || right
      ? tf.pad(x, [
          [0, 0],
          [top, bottom],
          [left, right],
          [0, 0],
        ])
      : x;
  const [kh, kw, ci, co] = filterShape;
  const { batchSize: b, outHeight: oh, outWidth: ow, strideHeight: sh, strideWidth: sw } = info;
  const cols: T[] = [];
  for (let r = 0; r < kh; r++) {
    for (let c = 0; c < kw; c++) {
      cols.push(
        sh === 1 && sw === 1
          ? tf.slice(xp, [0, r, c, 0], [b, oh, ow, ci])
          : tf.stridedSlice(
              xp,
              [0, r, c, 0],
              [b, r + sh * (oh - 1) + 1, c + sw * (ow - 1) + 1, ci],
              [1, sh, sw, 1],
            ),
      );
    }
  }
  const m = b * oh * ow;
  const patches = tf.reshape(cols.length === 1 ? cols[0] : tf.concat(cols, 3), [m, kh * kw * ci]);
  return tf.reshape(tf.matMul(patches, tf.reshape(dy, [m, co]), true, false), filterShape);
}

/** Gradients of convolution, pooling, matrix product and resize kernels (through the backends' backprop kernels). */
export const NN_GRADIENTS: GradConfig[] = [
  {
    kernelName: 'Conv2D',
    inputsToSave: ['x', 'filter'],
    gradFunc: (dy, [x, filter], attrs) => {
      const dilations = attrs.dilations as number | [number, number];
      const d = typeof dilations === 'number' ? [dilations, dilations] : dilations;
      if (d.some((v) => v !== 1))
        usageError('Gradients of conv2d with dilation rates above 1 are not supported.');
      if (attrs.dataFormat !== 'NHWC')
        usageError(`Gradients of conv2d need dataFormat NHWC; found ${attrs.dataFormat}.`);
      const common = {
        strides: attrs.strides,
        pad: attrs.pad,
        dataFormat: 'NHWC',
        dimRoundingMode: attrs.dimRoundingMode,
      };
      return {
        x: () =>
          runKernel('Conv2DBackpropInput', { dy: dy as T, filter }, { ...common, inputShape: x.shape }),
        filter: () =>
          runKernel('Conv2DBackpropFilter', { x, dy: dy as T }, { ...common, filterShape: filter.shape }),
      };
    },
  },
  {
    kernelName: 'MaxPool',
    inputsToSave: ['x'],
    outputsToSave: [true],
    gradFunc: (dy, [x, y], attrs) => ({
      x: () =>
        runKernel(
          'MaxPoolGrad',
          { dy: dy as T, input: x, output: y },
          {
            filterSize: attrs.filterSize,
            strides: attrs.strides,
            pad: attrs.pad,
            dimRoundingMode: attrs.dimRoundingMode,
          },
        ),
    }),
  },
  {
    kernelName: 'AvgPool',
    inputsToSave: ['x'],
    gradFunc: (dy, [x], attrs) => ({
      x: () =>
        runKernel(
          'AvgPoolGrad',
          { dy: dy as T, input: x },
          {
            filterSize: attrs.filterSize,
            strides: attrs.strides,
            pad: attrs.pad,
            dimRoundingMode: attrs.dimRoundingMode,
          },
        ),
    }),
  },
  {
    kernelName: 'BatchMatMul',
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, [a, b], attrs) => {
      const ta = attrs.transposeA as boolean;
      const tb = attrs.transposeB as boolean;
      const g = dy as T;
      const mm = (p: T, q: T, tp: boolean, tq: boolean) => tf.matMul(p, q, tp, tq);
      const da = () =>
        unbroadcast(!ta ? mm(g, b, false, !tb) : tb ? mm(b, g, true, true) : mm(b, g, false, true), a.shape);
      const db = () =>
        unbroadcast(
          !tb
            ? ta
              ? mm(a, g, false, false)
              : mm(a, g, true, false)
            : ta
              ? mm(g, a, true, true)
              : mm(g, a, true, false),
          b.shape,
        );
      return { a: da, b: db };
    },
  },
  {
    kernelName: 'ResizeBilinear',
    inputsToSave: ['images'],
    gradFunc: (dy, [images], attrs) => ({
      images: () =>
        runKernel('ResizeBilinearGrad', { dy: dy as T, images }, attrs as Record<string, unknown>),
    }),
  },
];
