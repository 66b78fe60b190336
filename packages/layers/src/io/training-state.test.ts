import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '@convkit/tensor';
import { expectNoLeakedTensors } from '@convkit/tensor/testing';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { setSeed } from '../core/seed';
import { conv2d } from '../layers/conv2d';
import { dense } from '../layers/dense';
import { flatten } from '../layers/flatten';
import { type Sequential, sequential } from '../model/sequential';
import { maxAbsDiff } from '../test-utils';
import type { OptimizerSpec } from '../training/optimizers';
import { compileArgsFromTrainingConfig } from '../training/training-config';
import { modelFromArtifacts, modelToArtifacts } from './artifacts';
import { folderHandler } from './folder-handler';
import { loadModel, saveModel } from './save-load-node';

function tinyConvnet(): Sequential {
  return sequential([
    conv2d({ filters: 4, kernelSize: 3, activation: 'relu', inputShape: [8, 8, 2] }),
    flatten(),
    dense({ units: 5, activation: 'relu' }),
    dense({ units: 3, activation: 'softmax' }),
  ]);
}

const x = () => tf.randomUniform([16, 8, 8, 2], 0, 1, 'float32', 11);
const y = () => tf.oneHot(tf.randomUniform([16], 0, 3, 'int32', 12) as tf.Tensor1D, 3);

async function train(model: Sequential, epochs: number): Promise<void> {
  const [xs, ys] = [x(), y()];
  await model.fit(xs, ys, { batchSize: 8, epochs, shuffle: false });
  tf.dispose([xs, ys]);
}

/** The largest difference between two models' weights. */
function weightGap(a: Sequential, b: Sequential): number {
  return Math.max(...a.weights.map((w, i) => maxAbsDiff(w.variable, b.weights[i].variable)));
}

describe('training state in saved models', () => {
  let dir: string;
  beforeAll(async () => {
    await initBackend('cpu');
    dir = await mkdtemp(join(tmpdir(), 'convkit-training-state-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  beforeEach(() => setSeed(4));
  afterEach(() => vi.restoreAllMocks());

  const optimizers: [string, OptimizerSpec][] = [
    ['RMSprop (scaled slot)', 'rmsprop'],
    ['RMSprop with momentum, centered', { name: 'rmsprop', momentum: 0.5, centered: true }],
    ['Adam (scaled slots)', { name: 'adam', learningRate: 0.01 }],
    ['SGD with Nesterov momentum', { name: 'sgd', momentum: 0.9, nesterov: true }],
  ];
  it.each(optimizers)(
    '%s: training resumes where it stopped after includeOptimizer',
    async (_, optimizer) => {
      const model = tinyConvnet();
      model.compile({ optimizer, loss: 'categorical_crossentropy', metrics: ['acc'] });
      await train(model, 2);
      const target = join(dir, `resume-${_.replace(/\W+/g, '-')}`);
      await saveModel(model, target, { includeOptimizer: true });
      const resumed = await loadModel(target);
      const fresh = modelFromArtifacts(await modelToArtifacts(model), 'without optimizer state');
      expect(resumed.metricsNames).toEqual(['loss', 'acc']);
      expect(resumed.optimizer?.getConfig()).toEqual(model.optimizer?.getConfig());
      expect(resumed.optimizer?.iterations).toBe(4);
      expect(fresh.optimizer?.iterations).toBe(0);
      await train(model, 1);
      await train(resumed, 1);
      await train(fresh, 1);
      expect(weightGap(resumed, model)).toBeLessThan(1e-6);
      // Without the state the next steps differ: what the check above rests on.
      expect(weightGap(fresh, model)).toBeGreaterThan(1e-4);
      for (const m of [model, resumed, fresh]) m.dispose();
    },
  );

  it('saves a compiled model’s training config by default, as tfjs-layers writes it, and no optimizer state', async () => {
    const model = tinyConvnet();
    model.compile({ optimizer: { name: 'rmsprop', learningRate: 1e-4 }, loss: 'categorical_crossentropy' });
    const artifacts = await modelToArtifacts(model);
    expect(artifacts.trainingConfig).toEqual({
      loss: 'categorical_crossentropy',
      metrics: [],
      optimizer_config: {
        class_name: 'RMSProp',
        config: { learningRate: 1e-4, decay: 0.9, momentum: 0, epsilon: 1e-7, centered: false },
      },
    });
    expect(artifacts.weightSpecs?.some((s) => s.group === 'optimizer')).toBe(false);
    expect(
      (await modelToArtifacts(tinyConvnet(), { includeOptimizer: true })).trainingConfig,
    ).toBeUndefined();
    model.dispose();
  });

  it.each([
    ['RMSprop', 'rmsprop', 'RMSProp'],
    ['Adam', 'adam', 'Adam'],
    ['SGD', 'sgd', 'SGD'],
    ['SGD with momentum', { name: 'sgd', momentum: 0.9 }, 'Momentum'],
  ] as [string, OptimizerSpec, string][])(
    'tfjs-layers loads a compiled convkit model (%s), training config included, and compiles it',
    async (_, optimizer, tfjsClass) => {
      const model = tinyConvnet();
      model.compile({ optimizer, loss: 'categorical_crossentropy', metrics: ['accuracy'] });
      await train(model, 1);
      const target = join(dir, `for-tfjs-${_.replace(/\W+/g, '-')}`);
      await saveModel(model, target);
      const theirs = await tfl.loadLayersModel(folderHandler(target));
      expect(theirs.optimizer.getClassName()).toBe(tfjsClass);
      const [xs, ys] = [x(), y()];
      const a = model.predict(xs);
      const b = theirs.predict(xs) as tf.Tensor;
      expect(maxAbsDiff(a, b)).toBeLessThan(1e-6);
      await theirs.fit(xs, ys, { batchSize: 8, epochs: 1 });
      tf.dispose([xs, ys, a, b]);
      theirs.dispose();
      model.dispose();
    },
  );

  it('resumes RMSprop training across tfjs-layers and convkit, both ways', async () => {
    const kernelInitializer = tfl.initializers.glorotUniform({ seed: 1 });
    const theirs = tfl.sequential({
      layers: [
        tfl.layers.dense({
          units: 3,
          activation: 'softmax',
          inputShape: [4],
          name: 'out',
          kernelInitializer,
        }),
      ],
    });
    // A tiny epsilon: tfjs adds it under the root, Keras (and convkit) outside.
    const optimizer = tf.train.rmsprop(0.01, 0.8, 0, 1e-10);
    theirs.compile({ optimizer, loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    const xs = tf.randomUniform([6, 4], 0, 1, 'float32', 5);
    const ys = tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2], 'int32'), 3);
    const step = (m: { fit: (...a: any[]) => Promise<unknown> }) =>
      m.fit(xs, ys, { epochs: 1, batchSize: 6, shuffle: false });
    await step(theirs);
    const target = join(dir, 'from-tfjs');
    await theirs.save(folderHandler(target), { includeOptimizer: true });
    const ours = await loadModel(target);
    const oursFresh = await loadModel(target);
    oursFresh.compile({
      optimizer: { name: 'rmsprop', learningRate: 0.01, rho: 0.8, epsilon: 1e-10 },
      loss: 'categorical_crossentropy',
    });
    expect(ours.metricsNames).toEqual(['loss', 'accuracy']);
    expect(ours.optimizer?.getConfig()).toMatchObject({ name: 'RMSprop', learning_rate: 0.01, rho: 0.8 });
    expect(ours.optimizer?.iterations).toBe(1);
    for (const m of [theirs, ours, oursFresh]) await step(m);
    const gap = (m: Sequential) =>
      Math.max(...m.weights.map((w, i) => maxAbsDiff(w.variable, theirs.getWeights()[i])));
    expect(gap(ours)).toBeLessThan(1e-6);
    expect(gap(oursFresh)).toBeGreaterThan(1e-3);

    // And back: tfjs-layers resumes from the state convkit saves.
    await saveModel(ours, join(dir, 'back-to-tfjs'), { includeOptimizer: true });
    const again = await tfl.loadLayersModel(folderHandler(join(dir, 'back-to-tfjs')));
    await step(again);
    await step(ours);
    expect(
      Math.max(...ours.weights.map((w, i) => maxAbsDiff(w.variable, again.getWeights()[i]))),
    ).toBeLessThan(1e-6);
    tf.dispose([xs, ys]);
    for (const m of [theirs, again]) m.dispose();
    for (const m of [ours, oursFresh]) m.dispose();
  });

  it('compiles with a fresh optimizer, and warns, when the saved state belongs to another model', async () => {
    const model = tinyConvnet();
    model.compile({ optimizer: 'rmsprop', loss: 'categorical_crossentropy' });
    await train(model, 1);
    const artifacts = await modelToArtifacts(model, { includeOptimizer: true });
    const spec = artifacts.weightSpecs!.find((s) => s.name.endsWith('/rms'))!;
    spec.name = `other_layer/kernel/rms`;
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const loaded = modelFromArtifacts(artifacts, 'mixed.json');
    expect(loaded.optimizer?.iterations).toBe(0);
    expect(warn).toHaveBeenCalledWith(
      expect.stringMatching(
        /mixed\.json: compiled with a fresh optimizer.*other_layer\/kernel\/rms belongs to no weight/,
      ),
    );
    model.dispose();
    loaded.dispose();
  });

  it('loads uncompiled, with a warning that says why, when the training config cannot be used', async () => {
    const model = tinyConvnet();
    model.compile({ optimizer: 'sgd', loss: 'mse' });
    const artifacts = await modelToArtifacts(model);
    artifacts.trainingConfig = {
      ...artifacts.trainingConfig!,
      optimizer_config: { class_name: 'Adagrad', config: {} },
    };
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const loaded = modelFromArtifacts(artifacts, 'odd.json');
    expect(loaded.optimizer).toBeUndefined();
    expect(warn).toHaveBeenCalledWith(
      expect.stringMatching(
        /odd\.json: loaded uncompiled.*Adagrad is not one convkit has.*Call model\.compile/,
      ),
    );
    model.dispose();
    loaded.dispose();
  });

  it('reads Keras’s training configs (lr or learning_rate, nested metrics) and refuses what it cannot reproduce', () => {
    const keras20 = {
      optimizer_config: { class_name: 'RMSprop', config: { lr: 1e-4, rho: 0.9, decay: 0.0, epsilon: 1e-7 } },
      loss: 'binary_crossentropy',
      metrics: ['acc'],
      sample_weight_mode: null,
      loss_weights: null,
    };
    expect(compileArgsFromTrainingConfig(keras20)).toMatchObject({
      optimizer: { name: 'rmsprop', learningRate: 1e-4, rho: 0.9 },
      loss: 'binary_crossentropy',
      metrics: ['acc'],
    });
    const keras24 = {
      ...keras20,
      optimizer_config: { class_name: 'Adam', config: { name: 'Adam', learning_rate: 2e-5, beta_1: 0.8 } },
      metrics: [[{ class_name: 'MeanMetricWrapper', config: { name: 'accuracy' } }]],
    };
    expect(compileArgsFromTrainingConfig(keras24)).toMatchObject({
      optimizer: { name: 'adam', learningRate: 2e-5, beta1: 0.8 },
      metrics: ['accuracy'],
    });
    expect(() =>
      compileArgsFromTrainingConfig({
        ...keras20,
        optimizer_config: { class_name: 'SGD', config: { decay: 1e-6 } },
      }),
    ).toThrow(/learning-rate decay/);
    expect(() => compileArgsFromTrainingConfig({ ...keras20, loss: { class_name: 'Custom' } })).toThrow(
      /not a loss name/,
    );
  });

  it('leaks no tensors saving and restoring optimizer state', async () => {
    const model = tinyConvnet();
    model.compile({ optimizer: 'adam', loss: 'categorical_crossentropy' });
    await train(model, 1);
    await expectNoLeakedTensors(async () => {
      const artifacts = await modelToArtifacts(model, { includeOptimizer: true });
      const loaded = modelFromArtifacts(artifacts, 'memory');
      loaded.dispose();
    });
    model.dispose();
  });
});
