import * as tf from '@tensorflow/tfjs-core';
import { usageError } from '../core/errors';
import { type GradConfig, unbroadcast } from './util';

type T = tf.Tensor;

const norm = (axis: number, rank: number) => (axis < 0 ? axis + rank : axis);

/** Gradients of the kernels that move values around: reshape, transpose, slice, concat, pad, gather, ... */
export const SHAPE_GRADIENTS: GradConfig[] = [
  {
    kernelName: 'Reshape',
    inputsToSave: ['x'],
    gradFunc: (dy, [x]) => ({ x: () => tf.reshape(dy as T, x.shape) }),
  },
  {
    kernelName: 'ExpandDims',
    inputsToSave: ['input'],
    gradFunc: (dy, [input]) => ({ input: () => tf.reshape(dy as T, input.shape) }),
  },
  {
    kernelName: 'Reverse',
    gradFunc: (dy, _saved, attrs) => ({ x: () => tf.reverse(dy as T, attrs.dims as number | number[]) }),
  },
  {
    kernelName: 'SplitV',
    gradFunc: (dy, _saved, attrs) => ({ x: () => tf.concat(dy as T[], attrs.axis as number) }),
  },
  {
    kernelName: 'Unpack',
    gradFunc: (dy, _saved, attrs) => ({ value: () => tf.stack(dy as T[], attrs.axis as number) }),
  },
  {
    kernelName: 'Transpose',
    gradFunc: (dy, _saved, attrs) => {
      const perm = attrs.perm as number[];
      const inverse = perm.map((_, i) => perm.indexOf(i));
      return { x: () => tf.transpose(dy as T, inverse) };
    },
  },
  {
    kernelName: 'BroadcastTo',
    gradFunc: (dy, _saved, attrs) => ({ x: () => unbroadcast(dy as T, attrs.inputShape as number[]) }),
  },
  {
    kernelName: 'Slice',
    inputsToSave: ['x'],
    gradFunc: (dy, [x], attrs) => ({
      x: () => {
        const [begin] = tf.slice_util.parseSliceParams(x, attrs.begin as number[], attrs.size as number[]);
        const d = dy as T;
        return tf.pad(
          d,
          x.shape.map((n, i) => [begin[i], n - begin[i] - d.shape[i]] as [number, number]),
        );
      },
    }),
  },
  {
    kernelName: 'PadV2',
    inputsToSave: ['x'],
    gradFunc: (dy, [x], attrs) => ({
      x: () => {
        const paddings = attrs.paddings as [number, number][];
        return tf.slice(
          dy as T,
          paddings.map((p) => p[0]),
          x.shape,
        );
      },
    }),
  },
  {
    kernelName: 'Concat',
    saveAllInputs: true,
    gradFunc: (dy, saved, attrs) => {
      const axis = norm(attrs.axis as number, saved[0].rank);
      const sizes = saved.map((t) => t.shape[axis]);
      const parts = tf.split(dy as T, sizes, axis);
      return Object.fromEntries(parts.map((p, i) => [i, () => p]));
    },
  },
  {
    kernelName: 'Pack',
    saveAllInputs: true,
    gradFunc: (dy, saved, attrs) => {
      const parts = tf.unstack(dy as T, attrs.axis as number);
      return Object.fromEntries(parts.map((p, i) => [i, () => tf.reshape(p, saved[i].shape)]));
    },
  },
  {
    kernelName: 'Tile',
    inputsToSave: ['x'],
    gradFunc: (dy, [x], attrs) => ({
      x: () => {
        const reps = attrs.reps as number[];
        // dy has shape reps[i] * x[i]; view it as [r0, x0, r1, x1, ...] and sum over the r axes.
        const split = x.shape.flatMap((n, i) => [reps[i], n]);
        const axes = x.shape.map((_, i) => 2 * i);
        return tf.reshape(tf.sum(tf.reshape(dy as T, split), axes), x.shape);
      },
    }),
  },
  {
    kernelName: 'GatherV2',
    inputsToSave: ['x', 'indices'],
    gradFunc: (dy, [x, indices], attrs) => ({
      x: () => {
        if ((attrs.batchDims as number) > 0)
          usageError('The gradient of gather with batchDims > 0 is not supported.');
        const axis = norm(attrs.axis as number, x.rank);
        const outer = x.shape.slice(0, axis);
        const inner = x.shape.slice(axis + 1);
        const n = indices.size;
        const flat = tf.reshape(dy as T, [...outer, n, ...inner]);
        const toFront = [axis, ...outer.map((_, i) => i), ...inner.map((_, i) => axis + 1 + i)];
        const front = tf.transpose(flat, toFront);
        const summed = tf.unsortedSegmentSum(
          front,
          tf.cast(tf.reshape(indices, [n]), 'int32') as tf.Tensor1D,
          x.shape[axis],
        );
        return tf.transpose(
          summed,
          toFront.map((_, i) => toFront.indexOf(i)),
        );
      },
      indices: () => tf.zerosLike(indices),
    }),
  },
];
