import * as tf from '@tensorflow/tfjs-core';
import { ConvkitUsageError } from './errors';
import { readSync } from './read-sync';

/** An image as interleaved uint8 pixels in height x width x channels (HWC) order. */
export interface PixelImage {
  width: number;
  height: number;
  /** 1 (grey), 3 (RGB) or 4 (RGBA). */
  channels: 1 | 3 | 4;
  data: Uint8Array | Uint8ClampedArray;
}

/** Checks that an image's buffer length matches its width, height and channels. */
export function assertPixelImage(image: PixelImage, what = 'image'): void {
  const { width, height, channels, data } = image;
  if (!(width > 0 && height > 0) || ![1, 3, 4].includes(channels)) {
    throw new ConvkitUsageError(
      `${what}: expected width and height > 0 and 1, 3 or 4 channels, got ${width}x${height}x${channels}.`,
    );
  }
  if (data.length !== width * height * channels) {
    throw new ConvkitUsageError(
      `${what}: ${width}x${height}x${channels} needs ${width * height * channels} bytes, got ${data.length}.`,
    );
  }
}

/** A float32 [height, width, channels] tensor of the pixels (0-255), times `scale` when given. */
export function pixelsToTensor(image: PixelImage, { scale = 1 }: { scale?: number } = {}): tf.Tensor3D {
  assertPixelImage(image);
  const values = new Float32Array(image.data.length);
  for (let i = 0; i < values.length; i++) values[i] = image.data[i] * scale;
  return tf.tensor3d(values, [image.height, image.width, image.channels], 'float32');
}

/** Pixels from a [height, width, channels] tensor of 0-255 values: rounded and clipped to uint8. */
export async function tensorToPixels(tensor: tf.Tensor3D): Promise<PixelImage> {
  return pixelsFromValues(tensor.shape, await tensor.data());
}

/**
 * Synchronous `tensorToPixels` (blocks on GPU backends; fine on cpu and wasm). WebGPU in node
 * cannot read synchronously: there it throws a ConvkitUsageError that says to use tensorToPixels.
 */
export function tensorToPixelsSync(tensor: tf.Tensor3D): PixelImage {
  const values = readSync(
    tensor,
    'tensorToPixelsSync',
    'Use await tensorToPixels(tensor), or the wasm or cpu backend.',
  );
  return pixelsFromValues(tensor.shape, values);
}

function pixelsFromValues(shape: number[], values: ArrayLike<number>): PixelImage {
  const [height, width, channels] = shape;
  if (shape.length !== 3 || ![1, 3, 4].includes(channels)) {
    throw new ConvkitUsageError(`Expected a [height, width, 1|3|4] tensor, got shape [${shape.join(', ')}].`);
  }
  const data = new Uint8ClampedArray(values.length);
  for (let i = 0; i < values.length; i++) data[i] = Math.round(values[i]);
  return { width, height, channels: channels as 1 | 3 | 4, data };
}

/** The image with `channels` channels: grey is repeated, alpha is dropped (3) or set opaque (4). */
export function convertChannels(image: PixelImage, channels: 1 | 3 | 4): PixelImage {
  assertPixelImage(image);
  if (image.channels === channels) return image;
  const n = image.width * image.height;
  const src = image.data;
  const out = new Uint8ClampedArray(n * channels);
  for (let p = 0; p < n; p++) {
    const s = p * image.channels;
    const r = src[s];
    const g = image.channels === 1 ? r : src[s + 1];
    const b = image.channels === 1 ? r : src[s + 2];
    const o = p * channels;
    if (channels === 1) {
      // ITU-R 601-2 luma, as PIL's convert('L') and Keras's grayscale loading.
      out[o] = (r * 299 + g * 587 + b * 114) / 1000;
    } else {
      out[o] = r;
      out[o + 1] = g;
      out[o + 2] = b;
      if (channels === 4) out[o + 3] = image.channels === 4 ? src[s + 3] : 255;
    }
  }
  return { width: image.width, height: image.height, channels, data: out };
}

/** A 4-D NHWC batch: a 3-D image gets a batch axis of 1, a 4-D tensor is returned as it is. */
export function ensureBatch(x: tf.Tensor): tf.Tensor4D {
  if (x.rank === 4) return x as tf.Tensor4D;
  if (x.rank === 3) return tf.expandDims(x, 0) as tf.Tensor4D;
  throw new ConvkitUsageError(
    `Expected an image [height, width, channels] or a batch [n, height, width, channels], got shape [${x.shape.join(', ')}].`,
  );
}

/** Stacks same-sized [h, w, c] images into one [n, h, w, c] batch. */
export function stackBatch(images: tf.Tensor3D[]): tf.Tensor4D {
  if (images.length === 0) throw new ConvkitUsageError('stackBatch needs at least one image.');
  const [h, w, c] = images[0].shape;
  images.forEach((img, i) => {
    if (img.shape.join() !== images[0].shape.join()) {
      throw new ConvkitUsageError(
        `stackBatch: image ${i} has shape [${img.shape.join(', ')}], expected [${h}, ${w}, ${c}] like image 0.`,
      );
    }
  });
  return tf.stack(images) as tf.Tensor4D;
}

/** Splits an [n, h, w, c] batch into n [h, w, c] images (new tensors the caller disposes). */
export function unstackBatch(batch: tf.Tensor4D): tf.Tensor3D[] {
  return tf.unstack(batch) as tf.Tensor3D[];
}
