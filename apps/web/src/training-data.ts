import { builtinDataset } from '@convkit/cli/dataset';
import { decodeIdx } from '@convkit/layers';
import * as tf from '@tensorflow/tfjs-core';

/** Training and validation tensors with the class names (x scaled to 0-1). */
export interface TrainingData {
  name: string;
  classes: string[];
  train: [tf.Tensor4D, tf.Tensor];
  validation: [tf.Tensor4D, tf.Tensor];
}

/**
 * The built-in cats-and-dogs set (the same images `convkit tour` writes), drawn in the browser:
 * `perClass` training and `perClass / 2` validation images per class, labels 0 (cat) / 1 (dog).
 */
export function builtinTrainingData(perClass = 300, size = 64, seed = 1): TrainingData {
  const split = (samples: { label: string; image: { data: Uint8Array | Uint8ClampedArray } }[]) =>
    tf.tidy(() => {
      const pixels = new Float32Array(samples.length * size * size * 3);
      samples.forEach((s, i) => {
        for (let k = 0; k < s.image.data.length; k++) pixels[i * size * size * 3 + k] = s.image.data[k] / 255;
      });
      const labels = samples.map((s) => (s.label === 'dog' ? 1 : 0));
      return [
        tf.tensor4d(pixels, [samples.length, size, size, 3]),
        tf.tensor2d(labels, [labels.length, 1]),
      ] as [tf.Tensor4D, tf.Tensor];
    });
  const all = [...builtinDataset(perClass + Math.ceil(perClass / 2), { size, seed })];
  const train = all.filter((s) => s.index < perClass);
  const validation = all.filter((s) => s.index >= perClass);
  return {
    name: 'built-in cats and dogs',
    classes: ['cat', 'dog'],
    train: split(train),
    validation: split(validation),
  };
}

/**
 * Fashion-MNIST from the four IDX files a user drops (plain or gzipped), keeping the first
 * `limit` training images so a browser trains in minutes; labels one-hot over 10 classes.
 */
export async function fashionMnistFromFiles(files: File[], limit = 10000): Promise<TrainingData> {
  const find = (part: string) => {
    const file = files.find((f) => f.name.startsWith(part));
    if (!file) {
      throw new Error(
        `Missing ${part}-… among the dropped files (${files.map((f) => f.name).join(', ')}). Drop the four IDX files: train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte (.gz is fine).`,
      );
    }
    return file;
  };
  const read = async (part: string) => {
    const file = find(part);
    return decodeIdx(new Uint8Array(await file.arrayBuffer()), file.name);
  };
  const [xi, yi, xt, yt] = await Promise.all(
    ['train-images', 'train-labels', 't10k-images', 't10k-labels'].map(read),
  );
  const pair = (images: typeof xi, labels: typeof yi, n: number) =>
    tf.tidy(() => {
      const [, h, w] = images.shape;
      const count = Math.min(n, images.shape[0]);
      const x = tf.div(
        tf.tensor4d(Float32Array.from(images.data.subarray(0, count * h * w)), [count, h, w, 1]),
        255,
      );
      const y = tf.oneHot(tf.tensor1d(Int32Array.from(labels.data.subarray(0, count)), 'int32'), 10);
      return [x, y] as [tf.Tensor4D, tf.Tensor];
    });
  return {
    name: 'Fashion-MNIST',
    classes: [
      'T-shirt/top',
      'Trouser',
      'Pullover',
      'Dress',
      'Coat',
      'Sandal',
      'Shirt',
      'Sneaker',
      'Bag',
      'Ankle boot',
    ],
    train: pair(xi, yi, limit),
    validation: pair(xt, yt, Math.ceil(limit / 5)),
  };
}
