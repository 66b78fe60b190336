import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@convkit/tensor';
import { imageDataGenerator } from '../dist/node.js';
const backend = process.argv[2];
await initBackend(backend);
const g = imageDataGenerator({ rescale: 1/255, rotationRange: 40, widthShiftRange: 0.2, heightShiftRange: 0.2, shearRange: 0.2, zoomRange: 0.2, horizontalFlip: true, fillMode: 'nearest' });
const it = g.flowFromDirectory('/tmp/aug/data', { targetSize: [150,150], batchSize: 32, classMode: 'binary', seed: 1, onInfo: () => {} });
const s = it[Symbol.asyncIterator]();
tf.dispose((await s.next()).value);
const c0 = process.cpuUsage(); const t0 = performance.now(); let n = 0;
while (n < 640) { const v = (await s.next()).value; n += v[0].shape[0]; v[0].dataSync(); tf.dispose(v); }
const c = process.cpuUsage(c0); const wall = performance.now() - t0;
await s.return();
console.log(backend, 'cpu ms/img', ((c.user + c.system) / 1000 / n).toFixed(2), 'wall ms/img', (wall / n).toFixed(2));
