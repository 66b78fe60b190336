import * as tf from '@tensorflow/tfjs-core';
import { ConvkitUsageError } from './errors';
import { convertChannels, type PixelImage, pixelsToTensor } from './image';

/** What a model's input is checked against: its name (for messages) and its NHWC input shape. */
export interface ModelInputShape {
  readonly name: string;
  /** [batch, height, width, channels]; null where any size goes. */
  readonly inputShape: readonly (number | null)[];
}

/** An image for a model: a tensor ([h, w, c] or [n, h, w, c], already preprocessed) or pixels. */
export type ImageInput = tf.Tensor | PixelImage | PixelImage[];

/** How an image becomes the model's input. */
export interface InputOptions {
  /**
   * Resize (bilinear) an image whose height and width differ from the model's input instead of
   * throwing. Default false.
   */
  resize?: boolean;
  /**
   * Turns a batch of pixels (0-255, float) into what the model expects. Applied to `PixelImage`
   * inputs only (tensors are taken as already preprocessed). Default: divide by 255, as the
   * chapter's small convnets were trained.
   */
  preprocess?: (pixels: tf.Tensor4D) => tf.Tensor4D;
}

function isPixelImage(x: unknown): x is PixelImage {
  return typeof x === 'object' && x !== null && 'data' in x && 'width' in x && 'height' in x;
}

/**
 * The model's input batch for `image`: pixels converted to the model's channels, checked (or,
 * with `resize`, resized) to its height and width, and preprocessed; a tensor checked and given
 * a batch axis. `what` names the caller in error messages. Call it inside `tf.tidy`: the result
 * may be the caller's own tensor (never disposed here) or a new one.
 */
export function toModelInput(
  model: ModelInputShape,
  image: ImageInput,
  { resize = false, preprocess = (x) => tf.div(x, 255) }: InputOptions,
  what: string,
): tf.Tensor4D {
  const [, wantH, wantW, wantC] = model.inputShape;
  let x: tf.Tensor4D;
  const fromPixels = !(image instanceof tf.Tensor);
  if (image instanceof tf.Tensor) {
    if (image.rank !== 3 && image.rank !== 4) {
      throw new ConvkitUsageError(
        `${what}: expected an image [height, width, channels] or a batch [n, height, width, channels], got shape [${image.shape.join(', ')}].`,
      );
    }
    x = (image.rank === 3 ? tf.expandDims(image, 0) : image) as tf.Tensor4D;
    if (wantC != null && x.shape[3] !== wantC) {
      throw new ConvkitUsageError(
        `${what}: model '${model.name}' takes ${wantC}-channel images, the tensor has ${x.shape[3]} channels (shape [${image.shape.join(', ')}]).`,
      );
    }
  } else {
    const images = Array.isArray(image) ? image : [image];
    if (images.length === 0) throw new ConvkitUsageError(`${what}: got an empty list of images.`);
    const channels = (wantC ?? images[0].channels) as 1 | 3 | 4;
    const tensors = images.map((img, i) => {
      if (!isPixelImage(img))
        throw new ConvkitUsageError(`${what}: image ${i} is not a PixelImage or a tensor.`);
      const t = pixelsToTensor(convertChannels(img, channels));
      if (t.shape[0] === images[0].height && t.shape[1] === images[0].width) return t;
      if (!resize)
        throw sizeError(
          what,
          `image ${i} is ${img.width}x${img.height}, image 0 is ${images[0].width}x${images[0].height}`,
        );
      return tf.image.resizeBilinear(t, [images[0].height, images[0].width]);
    });
    x = tf.stack(tensors) as tf.Tensor4D;
  }
  const [, h, w] = x.shape;
  if ((wantH != null && h !== wantH) || (wantW != null && w !== wantW)) {
    if (!resize) {
      throw sizeError(
        what,
        `model '${model.name}' takes ${wantW ?? 'any'}x${wantH ?? 'any'} images (width x height), got ${w}x${h}`,
      );
    }
    x = tf.image.resizeBilinear(x, [wantH ?? h, wantW ?? w]);
  }
  return fromPixels ? preprocess(x) : x;
}

function sizeError(what: string, detail: string): ConvkitUsageError {
  return new ConvkitUsageError(
    `${what}: ${detail}. Load the image at the model's size (readImage(path, { targetSize: [height, width] }) from @convkit/image-io/node) or pass { resize: true } to resize it bilinearly.`,
  );
}
