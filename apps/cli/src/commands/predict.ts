import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { readImage } from '@convkit/image-io/node';
import type { Sequential } from '@convkit/layers';
import { decodePredictions, IMAGENET_CLASS_INDEX, preprocessInput } from '@convkit/pretrained-vgg16/node';
import { pixelsToTensor } from '@convkit/tensor';
import * as tf from '@tensorflow/tfjs-core';
import type { Command } from 'commander';
import { CliContext, positiveInt } from '../context';
import { CliUsageError } from '../errors';
import { classNamesFor, classProbabilities } from '../models/classes';
import { imageInputShape, loadAnyModel } from '../models/load';
import { findVgg16Weights, loadVgg16 } from '../vgg16/weights';

interface PredictOptions {
  model?: string;
  vgg16?: boolean;
  weights?: string;
  top: string;
}

/** One image's top classes. */
export interface ImagePrediction {
  image: string;
  top: { class: string; index: number; probability: number }[];
}

/** `convkit predict IMAGE...`: the top-k classes of each image, for a saved model or VGG16 on ImageNet. */
export function registerPredict(program: Command): void {
  program
    .command('predict')
    .description(
      'top-k classes for images, with a saved model (--model) or VGG16 with ImageNet weights (--vgg16)',
    )
    .argument('<images...>', 'JPEG or PNG files')
    .option(
      '--model <path>',
      'a saved model (folder with model.json, or Keras .h5); classes.json beside it names the classes',
    )
    .option('--vgg16', "Keras's VGG16 with its ImageNet classifier (224x224, caffe preprocessing)")
    .option('--weights <path>', 'VGG16 weights file (default: the Keras cache)')
    .option('--top <k>', 'how many classes per image', '3')
    .action(async (images: string[], options: PredictOptions, cmd: Command) => {
      const ctx = new CliContext(cmd);
      if (Boolean(options.model) === Boolean(options.vgg16))
        throw new CliUsageError('Give either --model PATH or --vgg16.');
      const k = positiveInt('--top', options.top, 3);
      for (const image of images)
        if (!existsSync(image)) throw new CliUsageError(`Image file ${image} does not exist.`);
      const weights = options.vgg16 ? findVgg16Weights(true, options.weights) : undefined;
      await ctx.startBackend();
      const predictions = weights
        ? await predictVgg16(weights, images, k)
        : await predictModel(options.model!, images, k);
      ctx.result(
        { predictions },
        predictions.flatMap((p) => [
          `${p.image}:`,
          ...p.top.map((t, i) => `  ${i + 1}. ${t.class} (${t.index}): ${t.probability.toFixed(4)}`),
        ]),
      );
    });
}

async function predictModel(modelPath: string, images: string[], k: number): Promise<ImagePrediction[]> {
  const model: Sequential = await loadAnyModel(modelPath);
  try {
    const [h, w, c] = imageInputShape(model, 'predict');
    const pixels = await Promise.all(
      images.map((f) => readImage(f, { targetSize: [h, w], colorMode: c === 1 ? 'grayscale' : 'rgb' })),
    );
    const x = tf.tidy(() => tf.stack(pixels.map((p) => pixelsToTensor(p, { scale: 1 / 255 }))));
    const y = model.predict(x) as tf.Tensor;
    const rows = (await y.array()) as number[][];
    tf.dispose([x, y]);
    const names = classNamesFor(modelPath);
    return rows.map((row, i) => {
      const probs = classProbabilities(row);
      const order = probs
        .map((p, j) => [p, j] as const)
        .sort((a, b) => b[0] - a[0])
        .slice(0, k);
      return {
        image: basename(images[i]),
        top: order.map(([p, j]) => ({ class: names?.[j] ?? String(j), index: j, probability: p })),
      };
    });
  } finally {
    model.dispose();
  }
}

async function predictVgg16(weights: string, images: string[], k: number): Promise<ImagePrediction[]> {
  const model = await loadVgg16(weights, { includeTop: true });
  try {
    const [h, w] = imageInputShape(model, 'predict');
    const pixels = await Promise.all(images.map((f) => readImage(f, { targetSize: [h, w] })));
    const x = tf.tidy(() => preprocessInput(tf.stack(pixels.map((p) => pixelsToTensor(p))) as tf.Tensor4D));
    const y = model.predict(x, { batchSize: 4 }) as tf.Tensor;
    // An async read: WebGPU in node cannot read a tensor synchronously.
    const decoded = decodePredictions((await y.array()) as number[][], { top: k });
    tf.dispose([x, y]);
    return decoded.map((top, i) => ({
      image: basename(images[i]),
      top: top.map(([wnid, name, p]) => ({ class: name, index: wnidIndex(wnid), probability: p })),
    }));
  } finally {
    model.dispose();
  }
}

function wnidIndex(wnid: string): number {
  return IMAGENET_CLASS_INDEX.findIndex(([id]) => id === wnid);
}
