import { expectNoLeakedTensors, forEachBackend } from '@convkit/tensor/testing';
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, it } from 'vitest';
import { setSeed } from '../core/seed';
import { type Sequential, sequential } from '../model/sequential';
import { getLoss } from '../training/losses';
import { conv2d } from './conv2d';
import { dense } from './dense';
import { flatten } from './flatten';
import { setFusedKernels } from './fused-ops';
import { maxPooling2d } from './max-pooling2d';

/** A small net with every fused case: relu, linear + bias, an unfusable activation (sigmoid, softmax), no bias. */
function smallNet(): Sequential {
  setSeed(7);
  return sequential([
    conv2d({ filters: 6, kernelSize: 3, activation: 'relu', inputShape: [10, 9, 2] }),
    maxPooling2d({ poolSize: 2 }),
    conv2d({ filters: 5, kernelSize: 3, strides: 2, padding: 'same', activation: 'sigmoid' }),
    conv2d({ filters: 4, kernelSize: 2, useBias: false, activation: 'relu' }),
    conv2d({ filters: 4, kernelSize: 1 }),
    conv2d({ filters: 4, kernelSize: 1, useBias: false }),
    flatten(),
    dense({ units: 7, activation: 'relu' }),
    dense({ units: 6 }),
    dense({ units: 3, activation: 'softmax' }),
  ]);
}

function batch(): [tf.Tensor, tf.Tensor] {
  return tf.tidy(() => [
    tf.randomUniform([5, 10, 9, 2], -1, 1, 'float32', 3),
    tf.oneHot(tf.tensor1d([0, 2, 1, 1, 0], 'int32'), 3),
  ]);
}

/** Prediction, loss and every weight gradient of `model` on one batch (values read back). */
function lossAndGrads(model: Sequential, x: tf.Tensor, y: tf.Tensor, fused: boolean) {
  setFusedKernels(fused);
  const loss = getLoss('categorical_crossentropy');
  const vars = model.trainableWeights.map((w) => w.variable);
  let pred: Float32Array | undefined;
  const { value, grads } = tf.variableGrads(() => {
    const p = model.apply(x, { training: true });
    pred = p.dataSync() as Float32Array;
    return tf.mean(loss.perSample(y, p)) as tf.Scalar;
  }, vars);
  const out = {
    pred: pred!,
    loss: value.dataSync()[0],
    grads: vars.map((v) => grads[v.name].dataSync() as Float32Array),
  };
  tf.dispose([value, ...Object.values(grads)]);
  return out;
}

/** max |a - b| / max |b|. */
function relError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / scale;
}

/** Counts engine.runKernel calls by kernel name while `fn` runs. */
function countKernels(fn: () => void): Map<string, number> {
  const engine = tf.engine() as unknown as { runKernel: (...args: unknown[]) => unknown };
  const original = engine.runKernel;
  const counts = new Map<string, number>();
  engine.runKernel = function (this: unknown, ...args: unknown[]) {
    const name = args[0] as string;
    counts.set(name, (counts.get(name) ?? 0) + 1);
    return original.apply(this, args);
  };
  try {
    fn();
  } finally {
    engine.runKernel = original;
  }
  return counts;
}

describe('fused conv2d/dense training path', () => {
  afterEach(() => setFusedKernels(true));

  forEachBackend(['cpu', 'wasm'], (backend) => {
    it('gives the plain ops’ prediction, loss and weight gradients within 1e-4', () => {
      const model = smallNet();
      const [x, y] = batch();
      const plain = lossAndGrads(model, x, y, false);
      const fused = lossAndGrads(model, x, y, true);
      expect(relError(fused.pred, plain.pred)).toBeLessThan(1e-4);
      expect(Math.abs(fused.loss - plain.loss) / Math.abs(plain.loss)).toBeLessThan(1e-4);
      expect(fused.grads.length).toBe(14);
      fused.grads.forEach((g, i) => {
        expect(relError(g, plain.grads[i]), model.trainableWeights[i].name).toBeLessThan(1e-4);
      });
      tf.dispose([x, y]);
      model.dispose();
    });

    it('runs the fused kernels (and no separate bias add or relu) when fusing is on', () => {
      const model = smallNet();
      const [x, y] = batch();
      const counts = countKernels(() => lossAndGrads(model, x, y, true));
      expect(counts.get('FusedConv2D')).toBe(4); // the no-bias linear conv stays a plain Conv2D
      expect(counts.get('Conv2D')).toBe(1);
      expect(counts.get('_FusedMatMul')).toBe(3);
      expect(counts.get('Relu') ?? 0).toBe(0);
      const plainCounts = countKernels(() => lossAndGrads(model, x, y, false));
      expect(plainCounts.get('FusedConv2D') ?? 0).toBe(0);
      expect(plainCounts.get('Relu')).toBe(3);
      tf.dispose([x, y]);
      model.dispose();
    });

    it('leaks no tensors in fit or in a gradient step', async () => {
      const model = smallNet();
      model.compile({ optimizer: 'rmsprop', loss: 'categorical_crossentropy' });
      const [x, y] = batch();
      await model.fit(x, y, { batchSize: 5, epochs: 1 }); // optimizer state is allocated once
      await expectNoLeakedTensors(async () => {
        lossAndGrads(model, x, y, true);
        await model.fit(x, y, { batchSize: 2, epochs: 2 });
      });
      tf.dispose([x, y]);
      model.dispose();
    });

    if (backend === 'wasm') {
      it('never computes the gradient for the input images of the first layer', () => {
        setSeed(3);
        const model = sequential([
          conv2d({ filters: 4, kernelSize: 3, activation: 'relu', inputShape: [8, 8, 1] }),
          conv2d({ filters: 3, kernelSize: 3, activation: 'relu' }),
          flatten(),
          dense({ units: 2 }),
        ]);
        const x = tf.randomUniform([2, 8, 8, 1], 0, 1, 'float32', 5);
        const vars = model.trainableWeights.map((w) => w.variable);
        const step = () => {
          const { value, grads } = tf.variableGrads(
            () => tf.sum(model.apply(x, { training: true })) as tf.Scalar,
            vars,
          );
          tf.dispose([value, ...Object.values(grads)]);
        };
        const counts = countKernels(step);
        expect(counts.get('FusedConv2D')).toBe(2);
        expect(counts.get('Conv2DBackpropFilter')).toBe(2);
        // Only the second conv needs an input gradient (the first layer's input is the images).
        expect(counts.get('Conv2DBackpropInput')).toBe(1);
        // Asking for the image gradient too computes it: the count above can tell.
        const withInput = countKernels(() => {
          tf.dispose(tf.grad((t) => tf.sum(model.apply(t, { training: true })))(x));
        });
        expect(withInput.get('Conv2DBackpropInput')).toBe(2);
        x.dispose();
        model.dispose();
      });
    }
  });
});
