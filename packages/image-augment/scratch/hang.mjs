import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@convkit/tensor';
import { imageDataGenerator } from '../dist/node.js';
for (const b of ['wasm', 'cpu']) {
  await initBackend(b);
  const it = imageDataGenerator({ rotationRange: 40 }).flowFromDirectory('/tmp/aug/data', { targetSize: [150,150], onInfo: () => {} });
  const s = it[Symbol.asyncIterator]();
  for (let i = 0; i < 3; i++) tf.dispose((await s.next()).value);
  await s.return();
}
setTimeout(() => { console.log('handles', process._getActiveHandles().map(h => h.constructor.name), 'requests', process._getActiveRequests().map(h => h.constructor.name)); }, 2000).unref();
console.log('done');
