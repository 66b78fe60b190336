import { type GradCamModel, gradCam, overlay } from '@convkit/explain-gradcam';
import { resizeImage } from '@convkit/image-io';
import { writeFileAtomic } from '@convkit/image-io/node';
import type { Sequential } from '@convkit/layers';
import { preprocessInput } from '@convkit/pretrained-vgg16';
import type { PixelImage } from '@convkit/tensor';
import * as tf from '@tensorflow/tfjs-core';

/** One Grad-CAM picture: the class explained, its score, and the PNG written. */
export interface GradCamPicture {
  file: string;
  classIndex: number;
  score: number;
  layer: string;
  width: number;
  height: number;
}

/**
 * Grad-CAM for each image (the chapter's section 5.4.3) and the heatmap laid over the image
 * (jet, alpha 0.4), written to `files[i]`. `displaySize` enlarges small images first so the
 * overlay is readable (the heatmap is computed on the model-size image).
 */
export async function writeGradCamPictures(
  model: Sequential,
  images: PixelImage[],
  files: string[],
  {
    layerName,
    classIndex,
    displaySize,
    preprocess = 'rescale',
  }: {
    layerName?: string;
    classIndex?: number;
    displaySize?: number;
    /** 'rescale' divides pixels by 255 (the chapter's small convnets); 'caffe' is VGG16's preprocessInput. */
    preprocess?: 'rescale' | 'caffe';
  } = {},
): Promise<GradCamPicture[]> {
  const result = await gradCam(asTwoClasses(model), images, {
    layerName,
    classIndex,
    preprocess: preprocess === 'caffe' ? (x) => preprocessInput(x) : undefined,
  });
  const pictures: GradCamPicture[] = [];
  for (let i = 0; i < images.length; i++) {
    const base =
      displaySize && displaySize > images[i].width
        ? resizeImage(
            images[i],
            displaySize,
            Math.round((displaySize * images[i].height) / images[i].width),
            'bilinear',
          )
        : images[i];
    const picture = overlay(base, result.heatmaps[i]);
    await writeFileAtomic(files[i], picture.png);
    pictures.push({
      file: files[i],
      classIndex: result.classIndices[i],
      score: result.scores[i],
      layer: result.layerName,
      width: picture.pixels.width,
      height: picture.pixels.height,
    });
  }
  return pictures;
}

/**
 * A model with one sigmoid unit (the chapter's cats-vs-dogs nets) seen as two classes
 * [1 - p, p], class 0 and class 1 as Keras's binary class_mode numbers them, so Grad-CAM can
 * explain either class; other models are returned as they are.
 */
export function asTwoClasses(model: Sequential): GradCamModel {
  if (model.outputShape.at(-1) !== 1) return model;
  return {
    name: model.name,
    layers: model.layers,
    inputShape: model.inputShape,
    outputShape: [...model.outputShape.slice(0, -1), 2],
    splitAt(name: string) {
      const { head, tail } = model.splitAt(name);
      return {
        head,
        tail: (h: tf.Tensor) =>
          tf.tidy(() => {
            const p = tail(h);
            return tf.concat([tf.sub(1, p), p], -1);
          }),
      };
    },
  };
}
