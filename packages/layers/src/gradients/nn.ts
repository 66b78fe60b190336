import * as tf from '@tensorflow/tfjs-core';
import { usageError } from '../core/errors';
import { type GradConfig, runKernel, unbroadcast } from './util';

type T = tf.Tensor;

/**
 * tfjs-backend-cpu's Conv2DBackpropFilter reads every element through TensorBuffer.get in a
 * seven-deep loop whose innermost index is the batch (about 190 s for one MNIST batch of 64),
 * and its slice/gather kernels, which an im2col formulation would need, are per-element too.
 * On 'cpu', where a tensor's values are plain arrays in JS memory (dataSync copies nothing that
 * a GPU would have to hand back), the gradient below is a direct loop over the outputs with the
 * output channels innermost (contiguous in both dy and dW), and zero inputs (after relu) skipped.
 */
const JS_GRAD_BACKENDS = new Set(['cpu']);

/**
 * dW[kh, kw, ci, co] = sum over b, oy, ox of xPadded[b, oy*s + kh, ox*s + kw, ci] * dy[b, oy, ox, co],
 * in plain JS on the tensors' values (NHWC, dilation 1).
 */
export function conv2dFilterGradJs(
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
  const [kh, kw, ci, co] = filterShape;
  const { batchSize: nb, inHeight: ih, inWidth: iw, outHeight: oh, outWidth: ow } = info;
  const { strideHeight: sh, strideWidth: sw } = info;
  const { top, left } = info.padInfo;
  const xv = x.dataSync() as Float32Array;
  const dyv = dy.dataSync() as Float32Array;
  const out = new Float32Array(kh * kw * ci * co);
  for (let b = 0; b < nb; b++) {
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        const dyOff = ((b * oh + oy) * ow + ox) * co;
        for (let r = 0; r < kh; r++) {
          const iy = oy * sh + r - top;
          if (iy < 0 || iy >= ih) continue;
          for (let c = 0; c < kw; c++) {
            const ix = ox * sw + c - left;
            if (ix < 0 || ix >= iw) continue;
            const xOff = ((b * ih + iy) * iw + ix) * ci;
            const wBase = (r * kw + c) * ci * co;
            for (let i = 0; i < ci; i++) {
              const xval = xv[xOff + i];
              if (xval === 0) continue;
              const wOff = wBase + i * co;
              for (let o = 0; o < co; o++) out[wOff + o] += xval * dyv[dyOff + o];
            }
          }
        }
      }
    }
  }
  return tf.tensor4d(out, filterShape);
}

/**
 * dx[b, iy, ix, ci] = sum over the outputs whose window covers (iy, ix) of W[r, c, ci, co] * dy[b, oy, ox, co],
 * in plain JS on the tensors' values (NHWC, dilation 1; used on 'cpu').
 */
export function conv2dInputGradJs(
  dy: T,
  filter: T,
  inputShape: [number, number, number, number],
  strides: number | [number, number],
  pad: unknown,
  dimRoundingMode?: unknown,
): T {
  const filterShape = filter.shape as [number, number, number, number];
  const info = tf.backend_util.computeConv2DInfo(
    inputShape,
    filterShape,
    strides,
    1,
    pad as 'valid',
    dimRoundingMode as 'floor' | undefined,
  );
  const [kh, kw, ci, co] = filterShape;
  const { batchSize: nb, inHeight: ih, inWidth: iw, outHeight: oh, outWidth: ow } = info;
  const { strideHeight: sh, strideWidth: sw } = info;
  const { top, left } = info.padInfo;
  const wv = filter.dataSync() as Float32Array;
  const dyv = dy.dataSync() as Float32Array;
  const dx = new Float32Array(nb * ih * iw * ci);
  for (let b = 0; b < nb; b++) {
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        const dyOff = ((b * oh + oy) * ow + ox) * co;
        for (let r = 0; r < kh; r++) {
          const iy = oy * sh + r - top;
          if (iy < 0 || iy >= ih) continue;
          for (let c = 0; c < kw; c++) {
            const ix = ox * sw + c - left;
            if (ix < 0 || ix >= iw) continue;
            const xOff = ((b * ih + iy) * iw + ix) * ci;
            const wBase = (r * kw + c) * ci * co;
            for (let i = 0; i < ci; i++) {
              const wOff = wBase + i * co;
              let sum = 0;
              for (let o = 0; o < co; o++) sum += wv[wOff + o] * dyv[dyOff + o];
              dx[xOff + i] += sum;
            }
          }
        }
      }
    }
  }
  return tf.tensor4d(dx, inputShape);
}

/**
 * The gradient of max pooling in JS (used on 'cpu', whose MaxPoolGrad kernel walks
 * TensorBuffers element by element): each output's dy goes to the first maximum of its window
 * in row-major order, as the backends' kernels do.
 */
export function maxPoolGradJs(
  dy: T,
  x: T,
  filterSize: number | [number, number],
  strides: number | [number, number],
  pad: unknown,
  dimRoundingMode?: unknown,
): T {
  const info = tf.backend_util.computePool2DInfo(
    x.shape as [number, number, number, number],
    filterSize,
    strides,
    1,
    pad as 'valid',
    dimRoundingMode as 'floor' | undefined,
  );
  const { batchSize: nb, inHeight: ih, inWidth: iw, inChannels: ch, outHeight: oh, outWidth: ow } = info;
  const { strideHeight: sh, strideWidth: sw, filterHeight: fh, filterWidth: fw } = info;
  const { top, left } = info.padInfo;
  const xv = x.dataSync() as Float32Array;
  const dyv = dy.dataSync() as Float32Array;
  const dx = new Float32Array(x.size);
  for (let b = 0; b < nb; b++) {
    for (let oy = 0; oy < oh; oy++) {
      const y0 = oy * sh - top;
      for (let ox = 0; ox < ow; ox++) {
        const x0 = ox * sw - left;
        const dyOff = ((b * oh + oy) * ow + ox) * ch;
        for (let c = 0; c < ch; c++) {
          let best = Number.NEGATIVE_INFINITY;
          let at = -1;
          for (let r = 0; r < fh; r++) {
            const iy = y0 + r;
            if (iy < 0 || iy >= ih) continue;
            for (let s = 0; s < fw; s++) {
              const ix = x0 + s;
              if (ix < 0 || ix >= iw) continue;
              const i = ((b * ih + iy) * iw + ix) * ch + c;
              if (xv[i] > best || at < 0) {
                best = xv[i];
                at = i;
              }
            }
          }
          if (at >= 0) dx[at] += dyv[dyOff + c];
        }
      }
    }
  }
  return tf.tensor(dx, x.shape);
}

/**
 * The input and filter gradients of an NHWC conv2d with output gradient `dy`, as lazy
 * functions: the engine calls only those of the inputs that need a gradient. Shared by the
 * Conv2D and FusedConv2D gradients.
 */
export function conv2dGradFuncs(
  dy: T,
  x: T,
  filter: T,
  attrs: tf.NamedAttrMap,
): { x: () => T; filter: () => T } {
  const dilations = attrs.dilations as number | [number, number] | undefined;
  const d: [number, number] =
    dilations === undefined ? [1, 1] : typeof dilations === 'number' ? [dilations, dilations] : dilations;
  if (d.some((v) => v !== 1)) return dilatedConv2dGradFuncs(dy, x, filter, attrs, d);
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
      JS_GRAD_BACKENDS.has(tf.getBackend())
        ? conv2dInputGradJs(
            dy,
            filter,
            x.shape as [number, number, number, number],
            attrs.strides as number | [number, number],
            attrs.pad,
            attrs.dimRoundingMode,
          )
        : runKernel('Conv2DBackpropInput', { dy, filter }, { ...common, inputShape: x.shape }),
    filter: () =>
      JS_GRAD_BACKENDS.has(tf.getBackend())
        ? conv2dFilterGradJs(
            x,
            dy,
            filter.shape as [number, number, number, number],
            attrs.strides as number | [number, number],
            attrs.pad,
            attrs.dimRoundingMode,
          )
        : runKernel('Conv2DBackpropFilter', { x, dy }, { ...common, filterShape: filter.shape }),
  };
}

/**
 * Gradients of a dilated conv2d (stride 1, as TensorFlow requires with dilations). It is the
 * plain conv2d of the same input with the filter spread out by zeros to its effective size
 * ((k - 1) d + 1), so the input gradient is that conv's, and the filter gradient is that conv's
 * filter gradient read back at the filter's taps (every d-th row and column).
 */
function dilatedConv2dGradFuncs(
  dy: T,
  x: T,
  filter: T,
  attrs: tf.NamedAttrMap,
  [dh, dw]: [number, number],
): { x: () => T; filter: () => T } {
  const [kh, kw, ci, co] = filter.shape;
  const [ekh, ekw] = [(kh - 1) * dh + 1, (kw - 1) * dw + 1];
  // Rank 4 at most throughout: tfjs-backend-webgpu cannot build some kernels for rank 6.
  const spread = () => {
    const rows = tf.slice(
      zeroRowsAfter(tf.reshape(filter, [kh, kw * ci * co]), dh),
      [0, 0],
      [ekh, kw * ci * co],
    );
    const cols = tf.reshape(zeroRowsAfter(tf.reshape(rows, [ekh * kw, ci * co]), dw), [
      ekh,
      kw * dw,
      ci * co,
    ]);
    return tf.reshape(tf.slice(cols, [0, 0, 0], [ekh, ekw, ci * co]), [ekh, ekw, ci, co]);
  };
  const plain = (f: T) => conv2dGradFuncs(dy, x, f, { ...attrs, dilations: [1, 1] });
  return {
    x: () => tf.tidy(() => plain(spread()).x()),
    filter: () =>
      tf.tidy(() => {
        const g = plain(spread()).filter();
        return tf.stridedSlice(g, [0, 0, 0, 0], g.shape, [dh, dw, 1, 1]);
      }),
  };
}

/** A [n, m] matrix with d - 1 rows of zeros after each of its rows: [n d, m]. */
function zeroRowsAfter(t: T, d: number): T {
  if (d === 1) return t;
  const [n, m] = t.shape;
  return tf.reshape(tf.concat([tf.reshape(t, [n, 1, m]), tf.zeros([n, d - 1, m])], 1), [n * d, m]);
}

/**
 * The gradients of a (batched) matrix product a . b with output gradient `dy` (transposeA and
 * transposeB from `attrs`), as lazy functions. Shared by BatchMatMul and _FusedMatMul.
 */
export function batchMatMulGradFuncs(dy: T, a: T, b: T, attrs: tf.NamedAttrMap): { a: () => T; b: () => T } {
  const ta = Boolean(attrs.transposeA);
  const tb = Boolean(attrs.transposeB);
  const g = dy;
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
}

/** Gradients of convolution, pooling, matrix product and resize kernels (through the backends' backprop kernels). */
export const NN_GRADIENTS: GradConfig[] = [
  {
    kernelName: 'Conv2D',
    inputsToSave: ['x', 'filter'],
    gradFunc: (dy, [x, filter], attrs) => conv2dGradFuncs(dy as T, x, filter, attrs),
  },
  {
    kernelName: 'MaxPool',
    inputsToSave: ['x'],
    outputsToSave: [true],
    gradFunc: (dy, [x, y], attrs) => ({
      x: () =>
        JS_GRAD_BACKENDS.has(tf.getBackend())
          ? maxPoolGradJs(
              dy as T,
              x,
              attrs.filterSize as number | [number, number],
              attrs.strides as number | [number, number],
              attrs.pad,
              attrs.dimRoundingMode,
            )
          : runKernel(
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
    gradFunc: (dy, [a, b], attrs) => batchMatMulGradFuncs(dy as T, a, b, attrs),
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
