import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@convkit/tensor';
import { imageDataGenerator } from '../dist/node.js';
for (const b of process.argv.slice(2)) {
  await initBackend(b);
  const g = imageDataGenerator({ rescale: 1/255, rotationRange: 40, widthShiftRange: 0.2, heightShiftRange: 0.2, shearRange: 0.2, zoomRange: 0.2, horizontalFlip: true, fillMode: 'nearest' });
  const it = g.flowFromDirectory('/tmp/aug/data', { targetSize: [150,150], batchSize: 32, classMode: 'binary', seed: 1, onInfo: () => {} });
  const s = it[Symbol.asyncIterator]();
  let r = await s.next(); tf.dispose(r.value);
  let n = 0; const t0 = performance.now();
  while (performance.now() - t0 < 5000) { r = await s.next(); n += r.value[0].shape[0]; tf.dispose(r.value); }
  const rate = n / ((performance.now() - t0)/1000);
  await s.return();
  console.log(b, rate.toFixed(1), 'images/s', 'tensors', tf.memory().numTensors);
}
