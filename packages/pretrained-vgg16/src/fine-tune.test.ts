import { dense, flatten, sequential, setSeed } from '@convkit/layers';
import { forEachBackend } from '@convkit/tensor/testing';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { buildVgg16 } from './architecture';
import { disposeModel } from './dispose';
import { fineTune, setTrainableFrom } from './fine-tune';

async function snapshot(model: {
  weights: { name: string; variable: tf.Variable }[];
}): Promise<Map<string, Float32Array>> {
  const out = new Map<string, Float32Array>();
  for (const w of model.weights) out.set(w.name, (await w.variable.data()) as Float32Array);
  return out;
}

function changed(a: Float32Array, b: Float32Array): boolean {
  return a.some((v, i) => v !== b[i]);
}

forEachBackend(['wasm'], () => {
  describe('fine-tuning', () => {
    it("freezes up to a named layer like the chapter's loop, and names an unknown layer", () => {
      const convBase = buildVgg16({ includeTop: false, inputShape: [32, 32, 3], weightsWillLoad: true });
      expect(setTrainableFrom(convBase, 'block5_conv1')).toEqual([
        'block5_conv1',
        'block5_conv2',
        'block5_conv3',
        'block5_pool',
      ]);
      expect(convBase.trainableWeights.map((w) => w.name)).toEqual([
        'block5_conv1/kernel',
        'block5_conv1/bias',
        'block5_conv2/kernel',
        'block5_conv2/bias',
        'block5_conv3/kernel',
        'block5_conv3/bias',
      ]);
      expect(convBase.countParams()).toBe(14_714_688);
      expect(() => setTrainableFrom(convBase, 'block6_conv1')).toThrow(
        /no layer named 'block6_conv1'.*block5_pool/,
      );
      disposeModel(convBase);
    });

    it('trains the head with the base frozen, then block5 and the head, leaving blocks 1-4 alone', async () => {
      // Seeded: for about 1 draw of random weights in 5 (seeds 7, 10 and 16 of 1-16), every relu
      // on the way from these 8 images to the loss is off, no gradient reaches block5, and its
      // kernels rightly stay as they were.
      setSeed(1);
      const convBase = buildVgg16({ includeTop: false, inputShape: [32, 32, 3] });
      const model = sequential([
        convBase,
        flatten(),
        dense({ units: 8, activation: 'relu' }),
        dense({ units: 1, activation: 'sigmoid' }),
      ]);
      const x = tf.randomUniform([8, 32, 32, 3], 0, 1, 'float32', 11);
      const y = tf.tensor1d([0, 1, 0, 1, 1, 0, 1, 0]);
      const start = await snapshot(model);
      const before = tf.memory().numTensors;
      const result = await fineTune({
        convBase,
        model,
        train: [x, y],
        loss: 'binary_crossentropy',
        metrics: ['acc'],
        head: { epochs: 1, batchSize: 4, learningRate: 1e-3 },
        fineTune: { epochs: 1, batchSize: 4 },
      });
      expect(result.unfrozen).toEqual(['block5_conv1', 'block5_conv2', 'block5_conv3', 'block5_pool']);
      expect(result.head.loss).toHaveLength(1);
      expect(result.fineTune.acc).toHaveLength(1);
      const end = await snapshot(model);
      for (const [name, values] of start) {
        const moved = changed(values, end.get(name)!);
        if (name.startsWith('block5_conv') || name.startsWith('dense')) {
          if (name.endsWith('kernel')) expect(moved, name).toBe(true);
        } else expect(moved, name).toBe(false);
      }
      expect(tf.memory().numTensors).toBeLessThanOrEqual(before + 16);
      tf.dispose([x, y]);
      disposeModel(model);
    });
  });
});
