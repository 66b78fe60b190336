import * as tf from '@tensorflow/tfjs-core';
import { initBackend, createRandom } from '@convkit/tensor';
import { imageDataGenerator } from '../dist/node.js';
await initBackend(process.argv[2]);
const g = imageDataGenerator({ rescale: 1/255, rotationRange: 40, widthShiftRange: 0.2, heightShiftRange: 0.2, shearRange: 0.2, zoomRange: 0.2, horizontalFlip: true, fillMode: 'nearest' });
const x = tf.randomUniform([150,150,3], 0, 255);
const rng = createRandom(1);
const params = g.randomTransform([150,150,3], 1);
let t = performance.now();
for (let i = 0; i < 200; i++) { const y = g.augment(x, rng); y.dispose(); }
const full = (performance.now()-t)/200;
t = performance.now();
const tr = tf.tensor2d([[0.9,0.2,5,-0.1,1.1,3,0,0]]);
const xb = tf.expandDims(x, 0);
for (let i = 0; i < 200; i++) { const y = tf.image.transform(xb, tr, 'bilinear', 'nearest'); y.dispose(); }
const warp = (performance.now()-t)/200;
t = performance.now();
for (let i = 0; i < 200; i++) { const y = tf.mul(x, 1/255); y.dispose(); }
const mul = (performance.now()-t)/200;
console.log(process.argv[2], 'augment', full.toFixed(2), 'bare warp', warp.toFixed(2), 'mul', mul.toFixed(3));
