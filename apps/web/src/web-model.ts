import {
  chapterConvnet,
  conv2d,
  dense,
  dropout,
  flatten,
  maxPooling2d,
  type Sequential,
  sequential,
} from '@convkit/layers';

/**
 * The chapter's convnets, narrowed for a browser: for 2 classes the cats-and-dogs net (section
 * 5.2) with three of its four conv/pool blocks, then dropout 0.5, a dense layer of 128 x `width`
 * units and one sigmoid; for more the MNIST net (section 5.1, chapterConvnet). `width` scales
 * every layer so training takes seconds on WebGL.
 */
export function browserConvnet(
  inputShape: [number, number, number],
  classes: number,
  width = 0.5,
): Sequential {
  const w = (n: number) => Math.max(4, Math.round(n * width));
  if (classes > 2) return chapterConvnet('mnist', { inputShape, classes, width });
  return sequential([
    conv2d({ filters: w(32), kernelSize: 3, activation: 'relu', inputShape }),
    maxPooling2d({ poolSize: 2 }),
    conv2d({ filters: w(64), kernelSize: 3, activation: 'relu' }),
    maxPooling2d({ poolSize: 2 }),
    conv2d({ filters: w(128), kernelSize: 3, activation: 'relu' }),
    maxPooling2d({ poolSize: 2 }),
    flatten(),
    dropout({ rate: 0.5 }),
    dense({ units: w(128), activation: 'relu' }),
    dense({ units: 1, activation: 'sigmoid' }),
  ]);
}
