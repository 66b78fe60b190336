import * as tf from '@tensorflow/tfjs-core';
import fs from 'node:fs';
import { initBackend, createRandom, pixelsToTensor } from '@convkit/tensor';
import { readImage } from '@convkit/image-io/node';
import { imageDataGenerator } from '../dist/node.js';
const files = fs.readdirSync('/tmp/aug/data/cats').slice(0, 64).map(f => '/tmp/aug/data/cats/' + f);
let t = performance.now();
for (const f of files) await readImage(f, { targetSize: [150,150] });
console.log('decode sequential ms/img', ((performance.now()-t)/64).toFixed(2));
t = performance.now();
const imgs = await Promise.all(files.map(f => readImage(f, { targetSize: [150,150] })));
console.log('decode concurrent ms/img', ((performance.now()-t)/64).toFixed(2));
for (const b of ['cpu','wasm']) {
  await initBackend(b);
  const g = imageDataGenerator({ rescale: 1/255, rotationRange: 40, widthShiftRange: 0.2, heightShiftRange: 0.2, shearRange: 0.2, zoomRange: 0.2, horizontalFlip: true, fillMode: 'nearest' });
  const rng = createRandom(1);
  for (let rep = 0; rep < 2; rep++) {
    t = performance.now();
    const xs = imgs.map(im => tf.tidy(() => pixelsToTensor(im)));
    const t1 = performance.now();
    const ys = xs.map(x => g.augment(x, rng));
    const t2 = performance.now();
    const batch = tf.stack(ys); batch.dataSync();
    const t3 = performance.now();
    tf.dispose([...xs, ...ys, batch]);
    console.log(b, 'toTensor', ((t1-t)/64).toFixed(2), 'augment', ((t2-t1)/64).toFixed(2), 'stack+sync', ((t3-t2)/64).toFixed(2));
  }
}
