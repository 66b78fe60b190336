import * as tf from '@tensorflow/tfjs-core';
import { usageError } from '../core/errors';
import { type GradConfig, runKernel, unbroadcast } from './util';

type T = tf.Tensor;

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
