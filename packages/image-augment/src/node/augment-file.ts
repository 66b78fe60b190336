import type { PixelImage } from '@convkit/tensor';
import type { FillMode } from '../options';
import type { TransformParams } from '../transform-params';
import { transformPixels } from '../warp-pixels';

/** How one decoded file is finished: the generator's fill and its rescale (null: none). */
export interface FileAugmentation {
  fillMode: FillMode;
  cval: number;
  rescale: number | null;
}

/**
 * The tensor-free counterpart of `ImageDataGenerator.augmentPixels` without the standardisation
 * after rescale: transforms one decoded image with `params` and rescales it, into `out` (float32,
 * the image's size). As augmentPixels, a positive rescale is folded into the byte-to-float
 * conversion (cval and the channel shift scaled to match) when the transform is linear (no
 * brightness change); otherwise the transform runs on 0-255 values and the result is multiplied
 * by rescale in float32, as standardize does.
 */
export function augmentFile(
  image: PixelImage,
  params: TransformParams,
  how: FileAugmentation,
  out: Float32Array,
): void {
  const { width, height, channels, data } = image;
  if (out.length !== data.length) {
    throw new RangeError(
      `augmentFile: the image has ${data.length} values (${height} x ${width} x ${channels}), the output ${out.length}.`,
    );
  }
  const { rescale } = how;
  const fold = rescale !== null && rescale > 0 && params.brightness === null;
  const src = new Float32Array(data.length);
  if (fold) for (let i = 0; i < data.length; i++) src[i] = data[i] * rescale;
  else src.set(data);
  const shift = params.channelShiftIntensity;
  transformPixels(
    src,
    [height, width, channels],
    fold && shift !== null ? { ...params, channelShiftIntensity: shift * rescale } : params,
    { fillMode: how.fillMode, cval: fold ? how.cval * rescale : how.cval },
    out,
  );
  if (rescale !== null && !fold) {
    const r = Math.fround(rescale);
    for (let i = 0; i < out.length; i++) out[i] *= r;
  }
}
