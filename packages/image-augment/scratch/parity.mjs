import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@convkit/tensor';
import { imageDataGenerator, IDENTITY_TRANSFORM } from '../dist/index.js';
const W=160,H=120;
const cases = [
  {theta: 30}, {tx: 17.3}, {ty: -11.6}, {shear: 25}, {zx: 0.8, zy: 1.25}, {flipHorizontal: true}, {flipVertical: true},
  {theta: -40, tx: 12, ty: -9, shear: 10, zx: 1.1, zy: 0.9, flipHorizontal: true},
];
const modes = ['nearest','constant','reflect','wrap'];
const all = [];
for (const m of modes) for (const c of cases) all.push({...c, mode: m, cval: m==='constant'?37:0});
const py = `
import numpy as np, json, sys
from PIL import Image
from keras_preprocessing.image import affine_transformations as at
def fixed(matrix, x, y):
    ox = float(x)/2 - 0.5; oy = float(y)/2 - 0.5
    return np.array([[1,0,ox],[0,1,oy],[0,0,1]]) @ matrix @ np.array([[1,0,-ox],[0,1,-oy],[0,0,1]])
at.transform_matrix_offset_center = fixed
img = np.asarray(Image.open('/usr/lib/python3/dist-packages/skimage/data/chelsea.png').convert('RGB').resize((${W},${H}), Image.BILINEAR), dtype=np.float32)
img.astype(np.uint8).tofile('/tmp/aug/img.raw')
cases = json.loads(sys.argv[1])
outs = []
for c in cases:
    mode = {'wrap': 'grid-wrap', 'constant': 'grid-constant'}.get(c['mode'], c['mode'])
    t = img.transpose(1, 0, 2)
    o = at.apply_affine_transform(t, c.get('theta',0), c.get('tx',0), c.get('ty',0), c.get('shear',0), c.get('zx',1), c.get('zy',1), row_axis=0, col_axis=1, channel_axis=2, fill_mode=mode, cval=c['cval'], order=1).transpose(1, 0, 2)
    if c.get('flipHorizontal'): o = o[:, ::-1]
    if c.get('flipVertical'): o = o[::-1]
    outs.append(np.ascontiguousarray(o, dtype=np.float32))
np.stack(outs).tofile('/tmp/aug/ref.raw')
print('ok')
`;
execFileSync('/usr/bin/python3', ['-c', py, JSON.stringify(all)]);
const img = fs.readFileSync('/tmp/aug/img.raw');
const ref = new Float32Array(fs.readFileSync('/tmp/aug/ref.raw').buffer.slice(0));
for (const b of ['cpu','wasm']) {
  await initBackend(b);
  const x = tf.tensor3d(Float32Array.from(img), [H,W,3]);
  all.forEach((c, i) => {
    const g = imageDataGenerator({ fillMode: c.mode, cval: c.cval });
    const y = g.applyTransform(x, {...IDENTITY_TRANSFORM, ...c});
    const d = y.dataSync(); y.dispose();
    let max = 0, maxAt = -1, n = 0;
    for (let k = 0; k < d.length; k++) { const e = Math.abs(d[k] - ref[i*H*W*3 + k]); if (e > max) { max = e; maxAt = k; } if (e > 2) n++; }
    const p = Math.floor(maxAt/3);
    console.log(b, c.mode, JSON.stringify(c).slice(0,70), 'max', max.toFixed(4), 'at', p % W, Math.floor(p / W), '>2:', n);
  });
}
