import * as tf from '@tensorflow/tfjs-core';
// tfjs-core's node build registers no gradients; tfjs-layers' node build registers them all.
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackendName } from '../backend-names';
import { initBackend } from '../init-backend';
import { Random } from '../random';
import { expectNoLeakedTensors } from '../testing';
import { wasmThreading } from '../wasm-threads';
import { type HostTensor, randomHost, relativeError } from './compare';

const TOLERANCE = 1e-4;
const BATCH = 6;

/** The chapter's convnet in miniature, written with tfjs-core ops (conv, relu, pool, dense, dropout, softmax). */
function convnetLoss(w: Record<string, tf.Tensor>, x: tf.Tensor4D, y: tf.Tensor, fused: boolean): tf.Scalar {
  const conv = (h: tf.Tensor4D, k: string, b: string, pad: 'same' | 'valid') =>
    fused
      ? tf.fused.conv2d({
          x: h,
          filter: w[k] as tf.Tensor4D,
          strides: 1,
          pad,
          bias: w[b],
          activation: 'relu',
        })
      : tf.relu(tf.add(tf.conv2d(h, w[k] as tf.Tensor4D, 1, pad), w[b]));
  let h = conv(x, 'k1', 'b1', 'valid') as tf.Tensor4D; // 12 -> 10
  h = tf.maxPool(h, 2, 2, 'valid'); // 5
  h = conv(h, 'k2', 'b2', 'same') as tf.Tensor4D; // 5
  h = tf.maxPool(h, 3, 2, 'same'); // 3
  let f = tf.reshape(h, [BATCH, -1]) as tf.Tensor2D;
  f = fused
    ? (tf.fused.matMul({ a: f, b: w.d1 as tf.Tensor2D, bias: w.c1, activation: 'relu' }) as tf.Tensor2D)
    : (tf.relu(tf.add(tf.matMul(f, w.d1 as tf.Tensor2D), w.c1)) as tf.Tensor2D);
  f = tf.dropout(f, 0.5, undefined, 7) as tf.Tensor2D;
  const logits = tf.add(tf.matMul(f, w.d2 as tf.Tensor2D), w.c2);
  const p = tf.clipByValue(tf.softmax(logits), 1e-7, 1 - 1e-7);
  return tf.neg(tf.mean(tf.sum(tf.mul(y, tf.log(p)), -1))) as tf.Scalar;
}

const SHAPES: Record<string, number[]> = {
  k1: [3, 3, 1, 8],
  b1: [8],
  k2: [3, 3, 8, 16],
  b2: [16],
  d1: [3 * 3 * 16, 16],
  c1: [16],
  d2: [16, 10],
  c2: [10],
};

interface StepResult {
  loss: number;
  grads: Record<string, Float32Array>;
  updated: Record<string, Float32Array>;
}

/** One RMSprop step (Keras defaults) on a backend from host weights; returns loss, gradients, new weights. */
async function trainStep(
  backend: BackendName,
  weights: Record<string, HostTensor>,
  data: { x: HostTensor; y: HostTensor },
  fused: boolean,
): Promise<StepResult> {
  await initBackend(backend);
  const vars = Object.fromEntries(
    Object.entries(weights).map(([k, v]) => [
      k,
      tf.tidy(() => tf.variable(tf.tensor(v.values, v.shape), true, `${backend}-${k}`)),
    ]),
  );
  const x = tf.tensor4d(data.x.values, data.x.shape as [number, number, number, number]);
  const y = tf.tensor(data.y.values, data.y.shape);
  const { value, grads } = tf.variableGrads(() => convnetLoss(vars, x, y, fused));
  const optimizer = tf.train.rmsprop(1e-3, 0.9, 0, 1e-7);
  const named = Object.fromEntries(
    Object.entries(grads).map(([name, g]) => [name.replace(`${backend}-`, ''), g]),
  );
  optimizer.applyGradients(grads);
  const result: StepResult = {
    loss: (await value.data())[0],
    grads: Object.fromEntries(
      await Promise.all(Object.entries(named).map(async ([k, g]) => [k, await g.data()])),
    ),
    updated: Object.fromEntries(
      await Promise.all(Object.entries(vars).map(async ([k, v]) => [k, await v.data()])),
    ),
  };
  optimizer.dispose();
  tf.dispose([value, x, y, ...Object.values(grads), ...Object.values(vars)]);
  return result;
}

// This file runs wasm single-threaded (wasm-kernels.test.ts runs the threaded build), so both
// builds train under test.
describe('training a convnet on wasm matches cpu', () => {
  beforeAll(async () => {
    await initBackend('wasm', { threads: 1 });
    expect(wasmThreading()).toEqual({ threads: 1, build: 'default' });
  });

  afterAll(async () => {
    await initBackend('cpu');
  });

  const rng = new Random('wasm-training');
  const weights = Object.fromEntries(
    Object.entries(SHAPES).map(([k, shape]) => {
      const t = randomHost(rng, shape);
      const scale = Math.sqrt(2 / shape.slice(0, -1).reduce((a, b) => a * b, 1));
      return [k, { shape, values: t.values.map((v) => v * scale) }];
    }),
  );
  const labels = new Float32Array(BATCH * 10);
  for (let i = 0; i < BATCH; i++) labels[i * 10 + rng.int(0, 10)] = 1;
  const data = { x: randomHost(rng, [BATCH, 12, 12, 1]), y: { shape: [BATCH, 10], values: labels } };

  for (const fused of [false, true]) {
    it(`gives the same loss, gradients and RMSprop update (${fused ? 'fused' : 'plain'} ops)`, async () => {
      const cpu = await trainStep('cpu', weights, data, fused);
      const wasm = await expectNoLeakedTensors(() => trainStep('wasm', weights, data, fused));
      expect(Math.abs(wasm.loss - cpu.loss) / Math.abs(cpu.loss)).toBeLessThan(TOLERANCE);
      expect(Object.keys(wasm.grads).sort()).toEqual(Object.keys(SHAPES).sort());
      for (const k of Object.keys(SHAPES)) {
        expect(relativeError(wasm.grads[k], cpu.grads[k]), `gradient of ${k}`).toBeLessThan(TOLERANCE);
        expect(relativeError(wasm.updated[k], cpu.updated[k]), `updated ${k}`).toBeLessThan(TOLERANCE);
      }
    });
  }
});

describe("every gradient the chapter's models take runs on wasm", () => {
  // The cats-vs-dogs nets: stride-2 'same' convs, 'same' max pooling, global average pooling,
  // sigmoid + binary cross-entropy, softmax + categorical cross-entropy, dropout, dense layers.
  function loss(v: Record<string, tf.Tensor>, x: tf.Tensor4D): tf.Scalar {
    let h = tf.fused.conv2d({
      x,
      filter: v.k1 as tf.Tensor4D,
      strides: 2,
      pad: 'same',
      bias: v.b1,
      activation: 'relu',
    });
    h = tf.maxPool(h, 2, 2, 'same');
    h = tf.relu(tf.conv2d(h, v.k2 as tf.Tensor4D, 1, 'same'));
    const pooled = tf.mean(h, [1, 2]) as tf.Tensor2D; // GlobalAveragePooling2D
    const flat = tf.reshape(h, [h.shape[0], -1]) as tf.Tensor2D; // Flatten
    const hidden = tf.dropout(tf.relu(tf.matMul(flat, v.d1 as tf.Tensor2D)), 0.3, undefined, 3);
    const p = tf.sigmoid(tf.add(tf.matMul(tf.concat([pooled, hidden], 1), v.d2 as tf.Tensor2D), v.c2));
    const eps = 1e-7;
    const y = tf.tensor2d([[1], [0], [1]]);
    const bce = tf.neg(
      tf.mean(tf.add(tf.mul(y, tf.log(tf.add(p, eps))), tf.mul(tf.sub(1, y), tf.log(tf.sub(1 + eps, p))))),
    );
    const logits = tf.matMul(pooled, v.d3 as tf.Tensor2D);
    const cce = tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d([0, 2, 1], 'int32'), 3), logits);
    return tf.add(bce, cce) as tf.Scalar;
  }

  async function gradients(backend: BackendName) {
    await initBackend(backend, backend === 'wasm' ? { threads: 1 } : {});
    const rng = new Random('chapter-grads');
    const shapes: Record<string, number[]> = {
      k1: [3, 3, 3, 8],
      b1: [8],
      k2: [3, 3, 8, 4],
      d1: [3 * 3 * 4, 6],
      d2: [10, 1],
      c2: [1],
      d3: [4, 3],
    };
    const v = Object.fromEntries(
      Object.entries(shapes).map(([k, shape]) => {
        const t = randomHost(rng, shape);
        return [
          k,
          tf.tensor(
            t.values.map((a) => a * 0.3),
            shape,
          ),
        ];
      }),
    );
    const x = tf.tensor4d(randomHost(rng, [3, 10, 10, 3]).values, [3, 10, 10, 3]);
    const names = Object.keys(shapes);
    const f = (...ts: tf.Tensor[]) => loss(Object.fromEntries(names.map((n, i) => [n, ts[i]])), x);
    const grads = tf.grads(f)(names.map((n) => v[n]));
    const values = await Promise.all(grads.map((g) => g.data()));
    tf.dispose([...grads, ...Object.values(v), x]);
    return values;
  }

  it('matches cpu for conv/pool/GAP/flatten/dense/dropout/sigmoid/softmax gradients', async () => {
    const cpu = await gradients('cpu');
    const wasm = await expectNoLeakedTensors(() => gradients('wasm'));
    for (const [i, g] of wasm.entries())
      expect(relativeError(g, cpu[i]), `gradient ${i}`).toBeLessThan(TOLERANCE);
  });
});

describe('tfjs-layers can fit a convnet on wasm', () => {
  // tfjs-layers on wasm used to fail with "Kernel 'Conv2DBackpropFilter' not registered for backend 'wasm'".
  function buildModel() {
    return tfl.sequential({
      layers: [
        tfl.layers.conv2d({ filters: 4, kernelSize: 3, activation: 'relu', inputShape: [10, 10, 1] }),
        tfl.layers.maxPooling2d({ poolSize: 2 }),
        tfl.layers.conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }),
        tfl.layers.flatten(),
        tfl.layers.dense({ units: 5, activation: 'softmax' }),
      ],
    });
  }

  /** One epoch of two batches from the given initial weights; returns the trained weights and the loss. */
  async function fitOn(backend: BackendName, init: HostTensor[]) {
    await initBackend(backend);
    const model = buildModel();
    model.setWeights(init.map((w) => tf.tensor(w.values, w.shape)));
    model.compile({ optimizer: tf.train.rmsprop(1e-3, 0.9, 0, 1e-7), loss: 'categoricalCrossentropy' });
    const rng = new Random('layers-fit');
    const x = tf.tensor4d(
      rng.fill(8 * 100, () => rng.uniform()),
      [8, 10, 10, 1],
    );
    const classes = tf.tensor1d(
      Array.from({ length: 8 }, () => rng.int(0, 5)),
      'int32',
    );
    const y = tf.oneHot(classes, 5);
    const history = await model.fit(x, y, { batchSize: 4, epochs: 1, shuffle: false, verbose: 0 });
    const weights = await Promise.all(model.getWeights().map(async (w) => (await w.data()) as Float32Array));
    tf.dispose([x, y, classes]);
    model.dispose();
    return { weights, loss: history.history.loss[0] as number };
  }

  it('trains on wasm to the same weights and loss as on cpu', async () => {
    await initBackend('cpu');
    const template = buildModel();
    const init = await Promise.all(
      template.getWeights().map(async (w) => ({ shape: w.shape, values: (await w.data()) as Float32Array })),
    );
    template.dispose();
    const cpu = await fitOn('cpu', init);
    const wasm = await fitOn('wasm', init);
    expect(Math.abs(wasm.loss - cpu.loss) / cpu.loss).toBeLessThan(TOLERANCE);
    for (const [i, w] of wasm.weights.entries()) {
      expect(relativeError(w, cpu.weights[i]), `weight ${i}`).toBeLessThan(TOLERANCE);
      expect(relativeError(w, init[i].values), `weight ${i} changed`).toBeGreaterThan(1e-4);
    }
  });
});
