import { ConvkitUsageError } from '@convkit/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { type Matrix3, toTfjsTransform, transformMatrix } from './affine';
import type { FillMode } from './options';
import type { TransformParams } from './transform-params';
import { boxLeavesImage, reflectIndex, sampledBox, wrapIndex } from './warp-pixels';

/** How `applyTransform` fills and samples (Keras's fill_mode and cval). */
export interface WarpOptions {
  fillMode: FillMode;
  cval: number;
}

/**
 * Applies one transform to a [height, width, channels] image of 0-255 values, as Keras's
 * apply_transform: the affine warp (rotation, shift, shear, zoom about the centre, then the flips,
 * all in one bilinear tf.image.transform), the channel shift, then the brightness change (which,
 * as Keras's PIL round trip, truncates the values to whole numbers). Returns a new tensor; the
 * input is not disposed.
 */
export function applyTransformTensor(
  x: tf.Tensor3D,
  params: TransformParams,
  warp: WarpOptions,
): tf.Tensor3D {
  if (x.rank !== 3) {
    throw new ConvkitUsageError(
      `applyTransform expects one image [height, width, channels], got shape [${x.shape.join(', ')}].`,
    );
  }
  const [height, width, channels] = x.shape;
  return tf.tidy(() => {
    let out: tf.Tensor3D = x.dtype === 'float32' ? x : tf.cast(x, 'float32');
    const m = transformMatrix(params, height, width);
    if (m) out = warpImage(out, m, warp);
    if (params.channelShiftIntensity !== null && params.channelShiftIntensity !== undefined) {
      out = channelShift(out, params.channelShiftIntensity);
    }
    if (params.brightness !== null && params.brightness !== undefined) {
      out = brightnessShift(out, params.brightness, channels);
    }
    return out === x ? tf.clone(x) : out;
  });
}

/**
 * One bilinear tf.image.transform. 'nearest' and 'constant' use the kernel's own fill (the same on
 * every backend). 'reflect' and 'wrap' are done exactly as Keras documents them (dcba|abcd|dcba and
 * abcd|abcd|abcd) on every backend: the image is first extended (two gathers) over the area the
 * warp reads, then warped with 'nearest'. (The kernels' own versions differ: tfjs's wrap misplaces
 * samples near the seams, and tfjs-backend-wasm 4.22's reflect is wrong left of and above the image.)
 */
function warpImage(x: tf.Tensor3D, m: Matrix3, warp: WarpOptions): tf.Tensor3D {
  const [height, width] = x.shape;
  let source = x;
  let matrix = m;
  let fillMode: FillMode = warp.fillMode;
  if (fillMode === 'reflect' || fillMode === 'wrap') {
    const box = sampledBox(m, width, height);
    if (boxLeavesImage(box, width, height)) {
      const { x0, x1, y0, y1 } = box;
      const map = fillMode === 'reflect' ? reflectIndex : wrapIndex;
      const rows = Int32Array.from({ length: y1 - y0 + 1 }, (_, i) => map(y0 + i, height));
      const cols = Int32Array.from({ length: x1 - x0 + 1 }, (_, i) => map(x0 + i, width));
      source = tf.gather(tf.gather(x, rows, 0), cols, 1) as tf.Tensor3D;
      // Sample the extended image: input (x, y) is at (x - x0, y - y0) in it.
      matrix = [m[0], m[1], m[2] - x0, m[3], m[4], m[5] - y0, m[6], m[7], m[8]];
    }
    fillMode = 'nearest';
  }
  const batch = tf.expandDims(source, 0) as tf.Tensor4D;
  const transform = tf.tensor2d([toTfjsTransform(matrix)], [1, 8]);
  // One image per call: tfjs-backend-cpu 4.22's Transform kernel fills only the first image of a batch.
  const warped = tf.image.transform(batch, transform, 'bilinear', fillMode, warp.cval, [height, width]);
  return tf.squeeze(warped, [0]) as tf.Tensor3D;
}

/** Keras's apply_channel_shift: add `intensity` to every value, clipped to the image's own min and max. */
function channelShift(x: tf.Tensor3D, intensity: number): tf.Tensor3D {
  const lo = tf.min(x);
  const hi = tf.max(x);
  return tf.minimum(tf.maximum(tf.add(x, intensity), lo), hi) as tf.Tensor3D;
}

/**
 * Keras's apply_brightness_shift(x, brightness, scale=False): a round trip through a PIL image
 * (values scaled to 0..255 only when some lie outside it, then truncated to uint8),
 * ImageEnhance.Brightness (a blend with black: trunc(clip(v * brightness, 0, 255)); an alpha
 * channel is kept), then scaled back.
 */
function brightnessShift(x: tf.Tensor3D, brightness: number, channels: number): tf.Tensor3D {
  const lo = tf.min(x);
  const hi = tf.max(x);
  const outside = tf.logicalOr(tf.less(lo, 0), tf.greater(hi, 255));
  const span = tf.sub(hi, lo);
  const safeSpan = tf.where(tf.equal(span, 0), tf.onesLike(span), span);
  const scaled = tf.where(outside, tf.mul(tf.div(tf.sub(x, lo), safeSpan), 255), x);
  const bytes = tf.floor(tf.clipByValue(scaled, 0, 255));
  let shifted = tf.floor(tf.clipByValue(tf.mul(bytes, Math.fround(brightness)), 0, 255));
  if (channels === 4) {
    const [rgb] = tf.split(shifted, [3, 1], 2);
    const [, alpha] = tf.split(bytes, [3, 1], 2);
    shifted = tf.concat([rgb, alpha], 2);
  }
  return tf.where(outside, tf.add(tf.mul(tf.div(shifted, 255), span), lo), shifted) as tf.Tensor3D;
}
