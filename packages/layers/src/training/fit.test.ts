import { initBackend } from '@convkit/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { resetLayerNames } from '../core/names';
import { setSeed } from '../core/seed';
import { conv2d } from '../layers/conv2d';
import { dense } from '../layers/dense';
import { dropout } from '../layers/dropout';
import { flatten } from '../layers/flatten';
import { maxPooling2d } from '../layers/max-pooling2d';
import { type Sequential, sequential } from '../model/sequential';
import type { BatchSource } from './batch-source';
import { csvLogger, earlyStopping, jsonLinesLogger, modelCheckpoint } from './callbacks';
import { rmsprop } from './optimizers';

/** A learnable toy task: 2 classes told apart by the brightness of the left half of 8x8 images. */
function toyData(n: number, seed = 1): { x: tf.Tensor4D; y: tf.Tensor2D; labels: tf.Tensor1D } {
  return tf.tidy(() => {
    const labels = tf.cast(
      tf.greater(tf.randomUniform([n], 0, 1, 'float32', seed), 0.5),
      'int32',
    ) as tf.Tensor1D;
    const noise = tf.randomUniform([n, 8, 8, 1], 0, 0.5, 'float32', seed + 1);
    const left = tf.concat([tf.ones([n, 8, 4, 1]), tf.zeros([n, 8, 4, 1])], 2);
    const x = tf.add(
      noise,
      tf.mul(left, tf.reshape(tf.cast(labels, 'float32'), [n, 1, 1, 1])),
    ) as tf.Tensor4D;
    const y = tf.oneHot(labels, 2) as tf.Tensor2D;
    return { x, y, labels };
  });
}

function convnet(units = 2, activation: 'softmax' | 'sigmoid' = 'softmax'): Sequential {
  return sequential([
    conv2d({ filters: 4, kernelSize: 3, activation: 'relu', inputShape: [8, 8, 1] }),
    maxPooling2d({ poolSize: 2 }),
    flatten(),
    dropout({ rate: 0.2, seed: 1 }),
    dense({ units: 8, activation: 'relu' }),
    dense({ units, activation }),
  ]);
}

async function* batchesOf(
  x: tf.Tensor,
  y: tf.Tensor,
  size: number,
  endless = true,
): AsyncGenerator<[tf.Tensor, tf.Tensor]> {
  const n = x.shape[0];
  do {
    for (let i = 0; i < n; i += size) {
      const s = Math.min(size, n - i);
      yield [tf.slice(x, i, s), tf.slice(y, i, s)];
    }
  } while (endless);
}

describe('compile, fit and evaluate', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });
  beforeEach(() => {
    resetLayerNames();
    setSeed(7);
  });

  it('learns a toy task with rmsprop; history keys follow the metric names given', async () => {
    const { x, y } = toyData(256);
    const model = convnet();
    model.compile({
      optimizer: { name: 'rmsprop', learningRate: 0.01 },
      loss: 'categorical_crossentropy',
      metrics: ['acc'],
    });
    const h = await model.fit(x, y, { epochs: 6, batchSize: 32, validationSplit: 0.25, seed: 1 });
    expect(Object.keys(h.history).sort()).toEqual(['acc', 'loss', 'val_acc', 'val_loss']);
    expect(h.epoch).toEqual([0, 1, 2, 3, 4, 5]);
    expect(h.history.loss[5]).toBeLessThan(h.history.loss[0]);
    expect(h.history.val_acc[5]).toBeGreaterThan(0.9);
    const [loss, acc] = await model.evaluate(x, y);
    expect(model.metricsNames).toEqual(['loss', 'acc']);
    expect(loss).toBeLessThan(0.5);
    expect(acc).toBeGreaterThan(0.9);
    tf.dispose([x, y]);
    model.dispose();
  });

  it("uses 'accuracy' as the key and binary/sparse accuracy as Keras picks them", async () => {
    const { x, labels } = toyData(128, 3);
    const binary = convnet(1, 'sigmoid');
    binary.compile({
      optimizer: { name: 'adam', learningRate: 0.01 },
      loss: 'binary_crossentropy',
      metrics: ['accuracy'],
    });
    const hb = await binary.fit(x, tf.cast(labels, 'float32'), { epochs: 5, batchSize: 16 });
    expect(Object.keys(hb.history).sort()).toEqual(['accuracy', 'loss']);
    expect(hb.history.accuracy[4]).toBeGreaterThan(0.8);
    const sparse = convnet();
    sparse.compile({
      optimizer: { name: 'adam', learningRate: 0.01 },
      loss: 'sparse_categorical_crossentropy',
      metrics: ['accuracy'],
    });
    const hs = await sparse.fit(x, labels, { epochs: 5, batchSize: 16 });
    expect(hs.history.accuracy[4]).toBeGreaterThan(0.8);
    tf.dispose([x, labels]);
    binary.dispose();
    sparse.dispose();
  });

  it('keeps tf.memory().numTensors flat across epochs of fit, evaluate and predict', async () => {
    const { x, y } = toyData(96, 5);
    const model = convnet();
    model.compile({ optimizer: 'rmsprop', loss: 'categorical_crossentropy', metrics: ['accuracy'] });
    await model.fit(x, y, { epochs: 1, batchSize: 32 });
    const counts: number[] = [];
    await model.fit(x, y, {
      epochs: 3,
      batchSize: 32,
      validationData: [x, y],
      callbacks: { onEpochEnd: () => void counts.push(tf.memory().numTensors) },
    });
    expect(new Set(counts).size).toBe(1);
    const before = tf.memory().numTensors;
    const track: number[] = [];
    await model.fit(batchesOf(x, y, 32), {
      epochs: 2,
      stepsPerEpoch: 3,
      validationData: batchesOf(x, y, 32),
      validationSteps: 2,
    });
    track.push(tf.memory().numTensors);
    await model.evaluate(x, y);
    track.push(tf.memory().numTensors);
    await model.evaluate(batchesOf(x, y, 32), { steps: 3 });
    track.push(tf.memory().numTensors);
    model.predict(x).dispose();
    track.push(tf.memory().numTensors);
    (await model.predict(batchesOf(x, y, 32), { steps: 3 })).dispose();
    track.push(tf.memory().numTensors);
    expect(track).toEqual([before, before, before, before, before]);
    tf.dispose([x, y]);
    model.dispose();
  });

  it('fits on a batch source with stepsPerEpoch, validation source and validationSteps', async () => {
    const { x, y } = toyData(160, 9);
    const model = convnet();
    model.compile({ optimizer: 'rmsprop', loss: 'categorical_crossentropy', metrics: ['acc'] });
    const seen: number[] = [];
    const h = await model.fit(Object.assign(batchesOf(x, y, 20), { length: 8 }) as BatchSource, {
      epochs: 3,
      validationData: batchesOf(x, y, 20),
      validationSteps: 4,
      callbacks: { onBatchEnd: (_b, logs) => void seen.push(logs.size) },
    });
    expect(seen.length).toBe(24);
    expect(Object.keys(h.history).sort()).toEqual(['acc', 'loss', 'val_acc', 'val_loss']);
    // A finite source with no length: each epoch runs until it is exhausted.
    const finite: BatchSource = { [Symbol.asyncIterator]: () => batchesOf(x, y, 50, false) };
    const counts: number[] = [];
    await model.fit(finite, { epochs: 2, callbacks: { onEpochEnd: () => void counts.push(seen.length) } });
    tf.dispose([x, y]);
    model.dispose();
  });

  it('holds out the last fraction for validationSplit, as Keras does', async () => {
    const { x, y } = toyData(40, 17);
    const model = convnet();
    model.compile({ optimizer: rmsprop({ lr: 1e-3 }), loss: 'categorical_crossentropy', metrics: ['acc'] });
    const h = await model.fit(x, y, { epochs: 1, batchSize: 8, validationSplit: 0.2 });
    const [vx, vy] = [tf.slice(x, 32, 8), tf.slice(y, 32, 8)];
    const [valLoss, valAcc] = await model.evaluate(vx, vy);
    expect(h.history.val_loss[0]).toBeCloseTo(valLoss, 5);
    expect(h.history.val_acc[0]).toBeCloseTo(valAcc, 5);
    expect(h.params?.samples).toBe(32);
    tf.dispose([x, y, vx, vy]);
    model.dispose();
  });

  it('gives batch hooks loss values only when a callback asks for them', async () => {
    const { x, y } = toyData(32, 19);
    const model = convnet();
    model.compile({ optimizer: 'sgd', loss: 'categorical_crossentropy', metrics: ['acc'] });
    const plain: Record<string, number>[] = [];
    const live: Record<string, number>[] = [];
    await model.fit(x, y, { batchSize: 8, callbacks: { onBatchEnd: (_b, logs) => void plain.push(logs) } });
    await model.fit(x, y, {
      batchSize: 8,
      callbacks: { wantsBatchLogs: true, onBatchEnd: (_b, logs) => void live.push(logs) },
    });
    expect(plain.map((l) => Object.keys(l).sort())).toEqual(Array(4).fill(['batch', 'size']));
    expect(live.length).toBe(4);
    for (const l of live) {
      expect(Object.keys(l).sort()).toEqual(['acc', 'batch', 'loss', 'size']);
      expect(l.loss).toBeGreaterThan(0);
    }
    tf.dispose([x, y]);
    model.dispose();
  });

  it('updates only trainable weights', async () => {
    const { x, y } = toyData(64, 11);
    const model = convnet();
    model.getLayer('conv2d').trainable = false;
    model.compile({ optimizer: 'sgd', loss: 'categorical_crossentropy' });
    const [k0, b0] = model.getLayer('conv2d').getWeights();
    const [d0] = model.getLayer('dense').getWeights();
    await model.fit(x, y, { epochs: 1, batchSize: 16 });
    const [k1, b1] = model.getLayer('conv2d').getWeights();
    const [d1] = model.getLayer('dense').getWeights();
    expect(Array.from(k1.dataSync())).toEqual(Array.from(k0.dataSync()));
    expect(Array.from(b1.dataSync())).toEqual(Array.from(b0.dataSync()));
    expect(Array.from(d1.dataSync())).not.toEqual(Array.from(d0.dataSync()));
    tf.dispose([x, y, k0, b0, d0, k1, b1, d1]);
    model.dispose();
  });

  it('stops early, checkpoints the best epoch and logs CSV and JSON lines', async () => {
    const { x, y } = toyData(64, 13);
    const model = convnet();
    model.compile({
      optimizer: { name: 'sgd', learningRate: 1e-9 },
      loss: 'categorical_crossentropy',
      metrics: ['acc'],
    });
    const saved: string[] = [];
    const csv: string[] = [];
    const jsonl: string[] = [];
    const stopper = earlyStopping({ monitor: 'loss', patience: 1, minDelta: 0.1 });
    const h = await model.fit(x, y, {
      epochs: 10,
      batchSize: 32,
      shuffle: false,
      callbacks: [
        stopper,
        modelCheckpoint({
          save: (_m, path) => void saved.push(path),
          filepath: 'ck-{epoch:02d}-{loss:.2f}',
          monitor: 'loss',
          saveBestOnly: true,
        }),
        csvLogger({ write: (t) => void csv.push(t) }),
        jsonLinesLogger({ write: (t) => void jsonl.push(t) }),
      ],
    });
    // The loss cannot drop by 0.1 at this learning rate: epoch 0 sets the best, epoch 1 stops.
    expect(h.epoch).toEqual([0, 1]);
    expect(stopper.stoppedEpoch).toBe(1);
    expect(saved.length).toBeGreaterThanOrEqual(1);
    expect(saved[0]).toMatch(/^ck-01-\d\.\d\d$/);
    expect(csv[0]).toBe('epoch,acc,loss\n');
    expect(csv.length).toBe(3);
    expect(JSON.parse(jsonl[1])).toMatchObject({ event: 'epoch', epoch: 1 });
    tf.dispose([x, y]);
    model.dispose();
  });

  it('rejects labels that do not match the loss, saying expected and found', async () => {
    const { x, y, labels } = toyData(8, 15);
    const model = convnet();
    model.compile({ optimizer: 'rmsprop', loss: 'categorical_crossentropy' });
    await expect(model.fit(x, labels)).rejects.toThrow(
      /'categorical_crossentropy' expects labels one-hot encoded like the model's output \(None, 2\); found labels of shape \(8,\)\. These look like integer class labels/,
    );
    model.compile({ optimizer: 'rmsprop', loss: 'sparse_categorical_crossentropy' });
    await expect(model.fit(x, y)).rejects.toThrow(
      /found labels of shape \(8, 2\)\. These look one-hot encoded/,
    );
    await expect(model.fit(x, tf.slice(labels, 0, 4))).rejects.toThrow(
      /same number of samples; found 8 inputs.*and 4 labels/,
    );
    const uncompiled = convnet();
    await expect(uncompiled.fit(x, y)).rejects.toThrow(/must be compiled before fit/);
    tf.dispose([x, y, labels]);
    model.dispose();
    uncompiled.dispose();
  });
});
