import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@convkit/tensor';
for (const b of ['cpu','wasm']) {
  await initBackend(b);
  const x = tf.randomUniform([1,150,150,3],0,255);
  const t = tf.tensor2d([[0.9,0.2,5,-0.1,1.1,3,0,0]]);
  for (let i=0;i<5;i++) tf.image.transform(x,t,'bilinear','nearest').dispose();
  let n=0; const s=performance.now();
  while (performance.now()-s<2000) { const y=tf.image.transform(x,t,'bilinear','nearest'); y.dataSync(); y.dispose(); n++; }
  console.log(b, 'per image ms', ((performance.now()-s)/n).toFixed(3));
  const xb = tf.randomUniform([8,150,150,3],0,255);
  const tb = tf.tile(t,[8,1]);
  const y = tf.image.transform(xb,tb,'bilinear','constant', 7); const d = y.dataSync();
  console.log(b, 'batch 8: image 1 first value', d[150*150*3], 'image 0', d[0]);
}
