// Renders Grad-CAM overlays to look at: a small convnet trained for a moment on Fashion-MNIST
// (so the heatmaps mean something), ten test images, heatmap and overlay for each, plus one
// overlay on the chapter-sized cat photo through a random convnet (layout only).
//   pnpm --filter @convkit/explain-gradcam examples [out-dir]
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readImage, writePng } from '@convkit/image-io/node';
import { conv2d, dense, flatten, maxPooling2d, sequential } from '@convkit/layers';
import { loadFashionMnist } from '@convkit/layers/node';
import { initBackend, type PixelImage } from '@convkit/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { gradCam, heatmapImage, overlay } from '../src/index';

const out = process.argv[2] ?? join(tmpdir(), 'convkit-gradcam-examples');
mkdirSync(out, { recursive: true });
await initBackend(process.env.CONVKIT_BACKEND === 'cpu' ? 'cpu' : 'wasm');

const NAMES = [
  'T-shirt',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Boot',
];
const data = await loadFashionMnist();
const n = 6000;
const x = tf.tidy(() =>
  tf.div(tf.tensor4d(Float32Array.from(data.train.images.data.subarray(0, n * 784)), [n, 28, 28, 1]), 255),
);
const y = tf.tensor1d(Float32Array.from(data.train.labels.data.subarray(0, n)));
const model = sequential(
  [
    conv2d({ filters: 16, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1], seed: 1 }),
    maxPooling2d({ poolSize: 2 }),
    conv2d({ filters: 32, kernelSize: 3, activation: 'relu', seed: 2 }),
    flatten(),
    dense({ units: 10, activation: 'softmax', seed: 3 }),
  ],
  { name: 'fashion_convnet' },
);
model.compile({ optimizer: 'rmsprop', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
const history = await model.fit(x, y, { epochs: 2, batchSize: 64, seed: 1 });
console.log('trained:', JSON.stringify(history.history));
tf.dispose([x, y]);

// Ten test images, one per class: original (scaled up 4x), heatmap, overlay side by side.
const scale = 4;
const rows: PixelImage[] = [];
for (let cls = 0; cls < 10; cls++) {
  let i = 0;
  while (data.test.labels.data[i] !== cls) i++;
  const grey: PixelImage = {
    width: 28,
    height: 28,
    channels: 1,
    data: data.test.images.data.slice(i * 784, (i + 1) * 784) as Uint8Array,
  };
  const cam = await gradCam(model, grey, { classIndex: cls });
  const big = upscale(grey, scale);
  const heat = heatmapImage(cam.heatmap, {
    colormap: 'jet',
    size: { width: 28 * scale, height: 28 * scale },
  });
  const over = overlay(big, cam.heatmap).pixels;
  rows.push(hstack([toRgb(big), heat, over]));
  console.log(
    `${NAMES[cls]}: score ${cam.scores[0].toFixed(3)}, heatmap ${cam.heatmap.width}x${cam.heatmap.height} from ${cam.layerName}`,
  );
}
await writePng(join(out, 'fashion-gradcam.png'), vstack(rows));

// The cat at its own size through a random convnet: overlay at the photo's full resolution.
const catNet = sequential([
  conv2d({ filters: 8, kernelSize: 3, activation: 'relu', inputShape: [150, 150, 3], seed: 4 }),
  maxPooling2d({ poolSize: 4 }),
  conv2d({ filters: 8, kernelSize: 3, activation: 'relu', seed: 5 }),
  flatten(),
  dense({ units: 2, activation: 'softmax', seed: 6 }),
]);
const photo = await readImage('/usr/lib/python3/dist-packages/skimage/data/chelsea.png');
const small = await readImage('/usr/lib/python3/dist-packages/skimage/data/chelsea.png', {
  targetSize: [150, 150],
});
const catCam = await gradCam(catNet, small);
await writePng(join(out, 'cat-overlay.png'), overlay(photo, catCam.heatmap).pixels);
console.log(`Examples in ${out}`);
// The threaded wasm backend keeps worker threads alive; end the process explicitly.
process.exit(0);

function upscale(img: PixelImage, k: number): PixelImage {
  const w = img.width * k;
  const h = img.height * k;
  const d = new Uint8Array(w * h * img.channels);
  for (let yy = 0; yy < h; yy++)
    for (let xx = 0; xx < w; xx++)
      for (let c = 0; c < img.channels; c++)
        d[(yy * w + xx) * img.channels + c] =
          img.data[(Math.floor(yy / k) * img.width + Math.floor(xx / k)) * img.channels + c];
  return { width: w, height: h, channels: img.channels, data: d };
}

function toRgb(img: PixelImage): PixelImage {
  const d = new Uint8Array(img.width * img.height * 3);
  for (let p = 0; p < img.width * img.height; p++) d.fill(img.data[p * img.channels], 3 * p, 3 * p + 3);
  return { width: img.width, height: img.height, channels: 3, data: d };
}

function hstack(images: PixelImage[]): PixelImage {
  const h = images[0].height;
  const w = images.reduce((s, i) => s + i.width, 0);
  const d = new Uint8Array(w * h * 3);
  let left = 0;
  for (const img of images) {
    for (let yy = 0; yy < h; yy++)
      d.set(img.data.subarray(yy * img.width * 3, (yy + 1) * img.width * 3), (yy * w + left) * 3);
    left += img.width;
  }
  return { width: w, height: h, channels: 3, data: d };
}

function vstack(images: PixelImage[]): PixelImage {
  const d = new Uint8Array(images.reduce((s, i) => s + i.data.length, 0));
  let offset = 0;
  for (const img of images) {
    d.set(img.data, offset);
    offset += img.data.length;
  }
  return { width: images[0].width, height: images.reduce((s, i) => s + i.height, 0), channels: 3, data: d };
}
