/**
 * Parity with independent references: tfjs-layers (same weights: forward pass, loss, one SGD
 * step) and PyTorch from Debian's python3-torch (forward pass, Keras losses, RMSprop and Adam
 * steps as Keras 2 defines them). Tolerance: 1e-4 relative on values; the weight updates
 * themselves are compared too, so a step of the wrong size cannot hide behind small deltas.
 */
import { spawnSync } from 'node:child_process';
import { initBackend } from '@convkit/tensor';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { resetLayerNames } from '../core/names';
import { setSeed } from '../core/seed';
import { conv2d } from '../layers/conv2d';
import { dense } from '../layers/dense';
import { flatten } from '../layers/flatten';
import { maxPooling2d } from '../layers/max-pooling2d';
import { type Sequential, sequential } from '../model/sequential';
import { adam, rmsprop, sgd } from './optimizers';

const PYTHON = '/usr/bin/python3';
const torchMissing = (() => {
  const r = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' });
  return r.status === 0 ? undefined : `${PYTHON} cannot import torch (apt-get install python3-torch)`;
})();

const N = 8;

function ours(head: 'softmax' | 'sigmoid' = 'softmax'): Sequential {
  return sequential([
    conv2d({ filters: 4, kernelSize: 3, activation: 'relu', inputShape: [10, 10, 2] }),
    maxPooling2d({ poolSize: 2 }),
    conv2d({ filters: 5, kernelSize: 3, activation: 'relu', padding: 'same' }),
    flatten(),
    dense({ units: 6, activation: 'relu' }),
    dense({ units: head === 'softmax' ? 3 : 1, activation: head }),
  ]);
}

function theirs(head: 'softmax' | 'sigmoid' = 'softmax'): tfl.Sequential {
  return tfl.sequential({
    layers: [
      tfl.layers.conv2d({ filters: 4, kernelSize: 3, activation: 'relu', inputShape: [10, 10, 2] }),
      tfl.layers.maxPooling2d({ poolSize: 2 }),
      tfl.layers.conv2d({ filters: 5, kernelSize: 3, activation: 'relu', padding: 'same' }),
      tfl.layers.flatten(),
      tfl.layers.dense({ units: 6, activation: 'relu' }),
      tfl.layers.dense({ units: head === 'softmax' ? 3 : 1, activation: head }),
    ],
  });
}

function data(head: 'softmax' | 'sigmoid' = 'softmax'): { x: tf.Tensor; y: tf.Tensor } {
  return tf.tidy(() => {
    const x = tf.randomUniform([N, 10, 10, 2], 0, 1, 'float32', 5);
    const classes = tf.tensor1d([0, 1, 2, 1, 0, 2, 2, 1], 'int32');
    const y =
      head === 'softmax'
        ? tf.oneHot(classes, 3)
        : tf.reshape(tf.cast(tf.equal(classes, 1), 'float32'), [N, 1]);
    return { x, y };
  });
}

/** max |a - b| / max |b| over arrays. */
function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  let s = 0;
  for (let i = 0; i < b.length; i++) {
    d = Math.max(d, Math.abs(a[i] - b[i]));
    s = Math.max(s, Math.abs(b[i]));
  }
  return d / s;
}

const flat = (ts: tf.Tensor[]) => ts.map((t) => Array.from(t.dataSync()));

describe('parity with tfjs-layers (same weights)', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });
  beforeEach(() => {
    resetLayerNames();
    setSeed(3);
  });

  for (const head of ['softmax', 'sigmoid'] as const) {
    it(`forward pass, loss and one SGD step match (${head} head)`, async () => {
      const model = ours(head);
      const ref = theirs(head);
      const w0 = model.getWeights();
      ref.setWeights(w0);
      const { x, y } = data(head);
      const a = model.predict(x);
      const b = ref.predict(x) as tf.Tensor;
      expect(relErr(a.dataSync(), b.dataSync())).toBeLessThan(1e-5);

      const loss = head === 'softmax' ? 'categorical_crossentropy' : 'binary_crossentropy';
      model.compile({ optimizer: sgd({ learningRate: 0.5 }), loss });
      ref.compile({
        optimizer: tf.train.sgd(0.5),
        loss: head === 'softmax' ? 'categoricalCrossentropy' : 'binaryCrossentropy',
      });
      const [ourLoss] = await model.evaluate(x, y, { batchSize: N });
      const refLoss = ref.evaluate(x, y, { batchSize: N }) as tf.Scalar;
      expect(relErr([ourLoss], refLoss.dataSync())).toBeLessThan(1e-5);

      await model.fit(x, y, { batchSize: N, epochs: 1, shuffle: false });
      await ref.trainOnBatch(x, y);
      const w1 = flat(model.getWeights());
      const r1 = flat(ref.getWeights());
      const r0 = flat(w0);
      w1.forEach((w, i) => {
        expect(relErr(w, r1[i])).toBeLessThan(1e-4);
        // The update itself (w1 - w0) matches too.
        const ourDelta = w.map((v, j) => v - r0[i][j]);
        const refDelta = r1[i].map((v, j) => v - r0[i][j]);
        if (refDelta.some((d) => d !== 0)) expect(relErr(ourDelta, refDelta)).toBeLessThan(1e-3);
      });
      tf.dispose([a, b, refLoss, x, y, ...w0]);
      model.dispose();
      ref.dispose();
    });
  }
});

/** Runs the PyTorch reference: the same net, Keras's losses, two optimizer steps. */
function torchReference(input: object): {
  pred: number[];
  loss: number;
  weights: number[][];
} {
  const code = `
import json, sys, torch
torch.set_num_threads(1)
d = json.load(sys.stdin)
T = lambda v, s: torch.tensor(v, dtype=torch.float32).reshape(s)
w = [T(v, s) for v, s in zip(d['weights'], d['shapes'])]
# convkit/Keras layouts -> PyTorch: conv kernels HWIO -> OIHW, dense kernels [in, out] -> [out, in].
params = []
for i, t in enumerate(w):
    if t.dim() == 4: t = t.permute(3, 2, 0, 1)
    elif t.dim() == 2: t = t.t()
    params.append(t.clone().requires_grad_(True))
x = T(d['x'], d['xshape']).permute(0, 3, 1, 2)
y = T(d['y'], d['yshape'])
eps = 1e-7
def forward():
    h = torch.relu(torch.nn.functional.conv2d(x, params[0], params[1]))
    h = torch.nn.functional.max_pool2d(h, 2)
    h = torch.relu(torch.nn.functional.conv2d(h, params[2], params[3], padding=1))
    h = h.permute(0, 2, 3, 1).reshape(h.shape[0], -1)
    h = torch.relu(h @ params[4].t() + params[5])
    return torch.softmax(h @ params[6].t() + params[7], dim=-1)
def loss_fn(p):
    p = p / p.sum(-1, keepdim=True)
    p = p.clamp(eps, 1 - eps)
    return -(y * torch.log(p)).sum(-1).mean()
pred = forward()
loss0 = loss_fn(pred).item()
opt = d['optimizer']
if opt == 'rmsprop':
    o = torch.optim.RMSprop(params, lr=d['lr'], alpha=0.9, eps=1e-7)
    for _ in range(2):
        o.zero_grad(); loss_fn(forward()).backward(); o.step()
else:
    # Keras 2 Adam: w -= lr * sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + eps).
    b1, b2 = 0.9, 0.999
    m = [torch.zeros_like(p) for p in params]; v = [torch.zeros_like(p) for p in params]
    for t in (1, 2):
        for p in params: p.grad = None
        loss_fn(forward()).backward()
        lr_t = d['lr'] * (1 - b2 ** t) ** 0.5 / (1 - b1 ** t)
        with torch.no_grad():
            for p, mi, vi in zip(params, m, v):
                mi.mul_(b1).add_((1 - b1) * p.grad); vi.mul_(b2).add_((1 - b2) * p.grad * p.grad)
                p.sub_(lr_t * mi / (vi.sqrt() + eps))
out = []
for p in params:
    t = p.detach()
    if t.dim() == 4: t = t.permute(2, 3, 1, 0)
    elif t.dim() == 2: t = t.t()
    out.append(t.reshape(-1).tolist())
print(json.dumps({'pred': pred.detach().reshape(-1).tolist(), 'loss': loss0, 'weights': out}))
`;
  const r = spawnSync(PYTHON, ['-c', code], {
    input: JSON.stringify(input),
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  if (r.status !== 0) throw new Error(`PyTorch reference failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

describe.skipIf(torchMissing)(
  `parity with PyTorch${torchMissing ? ` (skipped: ${torchMissing})` : ''}`,
  () => {
    beforeAll(async () => {
      await initBackend('cpu');
    });

    for (const [name, make] of [
      ['rmsprop', () => rmsprop({ learningRate: 1e-3 })],
      ['adam', () => adam({ learningRate: 1e-3 })],
    ] as const) {
      it(`forward pass, Keras categorical crossentropy and two ${name} steps match`, async () => {
        resetLayerNames();
        setSeed(9);
        const model = ours();
        const w0 = model.getWeights();
        const { x, y } = data();
        const ref = torchReference({
          weights: flat(w0),
          shapes: w0.map((w) => w.shape),
          x: Array.from(x.dataSync()),
          xshape: x.shape,
          y: Array.from(y.dataSync()),
          yshape: y.shape,
          optimizer: name,
          lr: 1e-3,
        });
        const pred = model.predict(x);
        expect(relErr(pred.dataSync(), ref.pred)).toBeLessThan(1e-4);
        model.compile({ optimizer: make(), loss: 'categorical_crossentropy' });
        const [loss] = await model.evaluate(x, y, { batchSize: N });
        expect(relErr([loss], [ref.loss])).toBeLessThan(1e-4);
        await model.fit(x, y, { batchSize: N, epochs: 2, shuffle: false });
        const w2 = flat(model.getWeights());
        const r0 = flat(w0);
        w2.forEach((w, i) => {
          expect(relErr(w, ref.weights[i])).toBeLessThan(1e-4);
          const ourDelta = w.map((v, j) => v - r0[i][j]);
          const refDelta = ref.weights[i].map((v, j) => v - r0[i][j]);
          expect(relErr(ourDelta, refDelta)).toBeLessThan(1e-2);
        });
        tf.dispose([pred, x, y, ...w0]);
        model.dispose();
      });
    }
  },
);
