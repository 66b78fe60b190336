import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resetLayerNames, type Sequential } from '@convkit/layers';
import { ConvkitUsageError, createRandom } from '@convkit/tensor';
import { expectNoLeakedTensors, forEachBackend } from '@convkit/tensor/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildVgg16 } from './architecture';
import { disposeModel } from './dispose';
import { vgg16 } from './node';
import { referenceUnavailable, torchForward, type WeightStats, writeVgg16H5 } from './testdata/reference';

const CHAPTER_CONV_BASE = `Model: "vgg16"
_________________________________________________________________
Layer (type)                 Output Shape              Param #   
=================================================================
input_1 (InputLayer)         [(None, 150, 150, 3)]     0         
_________________________________________________________________
block1_conv1 (Conv2D)        (None, 150, 150, 64)      1792      
_________________________________________________________________
block1_conv2 (Conv2D)        (None, 150, 150, 64)      36928     
_________________________________________________________________
block1_pool (MaxPooling2D)   (None, 75, 75, 64)        0         
_________________________________________________________________
block2_conv1 (Conv2D)        (None, 75, 75, 128)       73856     
_________________________________________________________________
block2_conv2 (Conv2D)        (None, 75, 75, 128)       147584    
_________________________________________________________________
block2_pool (MaxPooling2D)   (None, 37, 37, 128)       0         
_________________________________________________________________
block3_conv1 (Conv2D)        (None, 37, 37, 256)       295168    
_________________________________________________________________
block3_conv2 (Conv2D)        (None, 37, 37, 256)       590080    
_________________________________________________________________
block3_conv3 (Conv2D)        (None, 37, 37, 256)       590080    
_________________________________________________________________
block3_pool (MaxPooling2D)   (None, 18, 18, 256)       0         
_________________________________________________________________
block4_conv1 (Conv2D)        (None, 18, 18, 512)       1180160   
_________________________________________________________________
block4_conv2 (Conv2D)        (None, 18, 18, 512)       2359808   
_________________________________________________________________
block4_conv3 (Conv2D)        (None, 18, 18, 512)       2359808   
_________________________________________________________________
block4_pool (MaxPooling2D)   (None, 9, 9, 512)         0         
_________________________________________________________________
block5_conv1 (Conv2D)        (None, 9, 9, 512)         2359808   
_________________________________________________________________
block5_conv2 (Conv2D)        (None, 9, 9, 512)         2359808   
_________________________________________________________________
block5_conv3 (Conv2D)        (None, 9, 9, 512)         2359808   
_________________________________________________________________
block5_pool (MaxPooling2D)   (None, 4, 4, 512)         0         
=================================================================
Total params: 14,714,688
Trainable params: 14,714,688
Non-trainable params: 0
_________________________________________________________________`;

const CHAPTER_TOP_TAIL = `block5_pool (MaxPooling2D)   (None, 7, 7, 512)         0         
_________________________________________________________________
flatten (Flatten)            (None, 25088)             0         
_________________________________________________________________
fc1 (Dense)                  (None, 4096)              102764544 
_________________________________________________________________
fc2 (Dense)                  (None, 4096)              16781312  
_________________________________________________________________
predictions (Dense)          (None, 1000)              4097000   
=================================================================
Total params: 138,357,544
Trainable params: 138,357,544
Non-trainable params: 0
_________________________________________________________________`;

function summaryOf(model: Sequential): string {
  const lines: string[] = [];
  model.summary((l) => lines.push(l));
  return lines.join('\n');
}

/** max |a - b| / max |b|: the relative error the issue bounds by 1e-4. */
function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / scale;
}

forEachBackend(['cpu'], () => {
  describe('VGG16 architecture', () => {
    it("prints the chapter's summary for the conv base at 150x150 (14,714,688 params)", () => {
      resetLayerNames();
      const convBase = buildVgg16({ includeTop: false, inputShape: [150, 150, 3], weightsWillLoad: true });
      expect(summaryOf(convBase)).toBe(CHAPTER_CONV_BASE);
      expect(convBase.countParams()).toBe(14_714_688);
      disposeModel(convBase);
    });

    it('has the classifier with includeTop: 138,357,544 params, input 224x224x3', () => {
      resetLayerNames();
      const full = buildVgg16({ weightsWillLoad: true });
      const text = summaryOf(full);
      expect(text).toContain('input_1 (InputLayer)         [(None, 224, 224, 3)]     0         ');
      expect(text.endsWith(CHAPTER_TOP_TAIL)).toBe(true);
      expect(full.outputShape).toEqual([null, 1000]);
      disposeModel(full);
    });

    it('leaves height and width open without the top, and pools to [n, 512] with pooling', () => {
      const open = buildVgg16({ includeTop: false, weightsWillLoad: true });
      expect(open.inputShape).toEqual([null, null, null, 3]);
      expect(open.outputShape).toEqual([null, null, null, 512]);
      const avg = buildVgg16({
        includeTop: false,
        inputShape: [64, 64, 3],
        pooling: 'avg',
        weightsWillLoad: true,
      });
      expect(avg.outputShape).toEqual([null, 512]);
      expect(avg.layers.at(-1)?.className).toBe('GlobalAveragePooling2D');
      const max = buildVgg16({
        includeTop: false,
        inputShape: [64, 64, 3],
        pooling: 'max',
        weightsWillLoad: true,
      });
      expect(max.layers.at(-1)?.className).toBe('GlobalMaxPooling2D');
      for (const m of [open, avg, max]) disposeModel(m);
    });

    it("rejects what Keras's VGG16 rejects, saying why", async () => {
      expect(() => buildVgg16({ includeTop: false, inputShape: [31, 64, 3] })).toThrow(/at least 32x32/);
      // A user's mistake (the CLI prints it in one line and exits 2), not a bug.
      expect(() => buildVgg16({ includeTop: false, inputShape: [31, 64, 3] })).toThrow(ConvkitUsageError);
      expect(() => buildVgg16({ includeTop: false, inputShape: [64, 64, 1] })).toThrow(/3 channels/);
      expect(() => buildVgg16({ inputShape: [null, null, 3] })).toThrow(/input size must be fixed/);
      expect(() => buildVgg16({ pooling: 'avg' })).toThrow(/pooling applies only without the classifier/);
      expect(() => buildVgg16({ includeTop: false, pooling: 'sum' as 'avg' })).toThrow(
        /'avg', 'max' or null/,
      );
      await expect(vgg16({ weights: 'imagenet', classes: 10 })).rejects.toThrow(
        /1000 classes; found classes 10/,
      );
      await expect(vgg16({ weights: 'imagenet', classes: 10 })).rejects.toBeInstanceOf(ConvkitUsageError);
      await expect(vgg16({ weights: 'imagenet', inputShape: [150, 150, 3] })).rejects.toThrow(
        /must be \[224, 224, 3\]/,
      );
    });
  });
});

const why = referenceUnavailable();
describe.skipIf(why !== undefined)('VGG16 with Keras-layout weight files, against PyTorch', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vgg16-h5-'));
  const notop = join(dir, 'vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5');
  const top = join(dir, 'top32.h5');
  let notopStats: WeightStats[];
  let topStats: WeightStats[];
  beforeAll(() => {
    notopStats = writeVgg16H5(notop, { variant: 'notop', seed: 7 });
    topStats = writeVgg16H5(top, { variant: 'top', input: [32, 32], classes: 10, seed: 8, style: 'tf2' });
  });

  const input = (n: number, h: number, w: number, seed: number) =>
    tf.tidy(() =>
      tf.mul(tf.randomUniform([n, h, w, 3], -1, 1, 'float32', createRandom(seed).int(0, 1e9)), 100),
    );

  forEachBackend(['cpu', 'wasm'], (backend) => {
    it(`puts every weight of the notop file in its layer with its shape, and matches PyTorch within 1e-4 (${backend})`, async () => {
      const model = await vgg16({ weights: notop, includeTop: false, inputShape: [32, 32, 3] });
      const byName = new Map(model.weights.map((w) => [w.name, w]));
      expect(model.weights).toHaveLength(26);
      for (const s of notopStats) {
        const w = byName.get(`${s.layer}/${s.weight}`);
        expect(w, `${s.layer}/${s.weight}`).toBeDefined();
        expect(w!.shape).toEqual(s.shape);
        const v = await w!.variable.data();
        let sum = 0;
        let sumsq = 0;
        for (const x of v) {
          sum += x;
          sumsq += x * x;
        }
        expect(v[0]).toBe(Math.fround(s.first));
        expect(v[v.length - 1]).toBe(Math.fround(s.last));
        expect(sumsq).toBeCloseTo(s.sumsq, 2);
        expect(Math.abs(sum - s.sum)).toBeLessThan(1e-3 * Math.sqrt(s.sumsq) + 1e-3);
      }
      const n = backend === 'cpu' ? 1 : 2;
      const x = input(n, 32, 32, 1);
      const y = model.predict(x) as tf.Tensor;
      expect(y.shape).toEqual([n, 1, 1, 512]);
      const expected = torchForward(notop, (await x.data()) as Float32Array, [n, 32, 32], dir);
      expect(relativeError(await y.data(), expected.none)).toBeLessThan(1e-4);
      if (backend === 'wasm') {
        for (const pooling of ['avg', 'max'] as const) {
          const pooled = await vgg16({ weights: notop, includeTop: false, inputShape: [32, 32, 3], pooling });
          const p = pooled.predict(x) as tf.Tensor;
          expect(p.shape).toEqual([n, 512]);
          expect(relativeError(await p.data(), expected[pooling]!)).toBeLessThan(1e-4);
          p.dispose();
          disposeModel(pooled);
        }
      }
      tf.dispose([x, y]);
      disposeModel(model);
    });
  });

  forEachBackend(['wasm'], () => {
    it('matches PyTorch at 64x64 (block5_pool 2x2x512)', async () => {
      const x = input(1, 64, 64, 2);
      const model = await vgg16({ weights: notop, includeTop: false, inputShape: [64, 64, 3] });
      const y = model.predict(x) as tf.Tensor;
      expect(y.shape).toEqual([1, 2, 2, 512]);
      const expected = torchForward(notop, (await x.data()) as Float32Array, [1, 64, 64], dir);
      expect(relativeError(await y.data(), expected.none)).toBeLessThan(1e-4);
      tf.dispose([x, y]);
      disposeModel(model);
    });

    it('loads the file with the classifier (fc1, fc2, predictions) and matches PyTorch', async () => {
      const model = await vgg16({ weights: top, inputShape: [32, 32, 3], classes: 10 });
      const byName = new Map(model.weights.map((w) => [w.name, w]));
      for (const s of topStats) expect(byName.get(`${s.layer}/${s.weight}`)?.shape).toEqual(s.shape);
      const fc2 = await byName.get('fc2/kernel')!.variable.data();
      const stats = topStats.find((s) => s.layer === 'fc2' && s.weight === 'kernel')!;
      expect([fc2[0], fc2[fc2.length - 1]]).toEqual([Math.fround(stats.first), Math.fround(stats.last)]);
      const x = input(3, 32, 32, 3);
      const y = model.predict(x) as tf.Tensor;
      expect(y.shape).toEqual([3, 10]);
      const expected = torchForward(top, (await x.data()) as Float32Array, [3, 32, 32], dir);
      expect(relativeError(await y.data(), expected.none)).toBeLessThan(1e-4);
      tf.dispose([x, y]);
      disposeModel(model);
    });

    it('holds only its weights once loaded, and frees them on dispose', async () => {
      const before = tf.memory().numTensors;
      const model = await vgg16({ weights: notop, includeTop: false, inputShape: [32, 32, 3] });
      expect(tf.memory().numTensors - before).toBe(26);
      const x = tf.zeros([1, 32, 32, 3]);
      await expectNoLeakedTensors(() => tf.dispose(model.predict(x) as tf.Tensor));
      x.dispose();
      disposeModel(model);
      expect(tf.memory().numTensors).toBe(before);
    });
  });

  forEachBackend(['cpu'], () => {
    it('says which file variant it got when top and notop are swapped', async () => {
      await expect(vgg16({ weights: notop, inputShape: [32, 32, 3] })).rejects.toThrow(
        /holds only VGG16's convolutional base .*_notop\.h5.* has the classifier/,
      );
      await expect(vgg16({ weights: top, includeTop: false, inputShape: [32, 32, 3] })).rejects.toThrow(
        /holds VGG16 with its classifier .*was built without it/,
      );
    });

    it('names a layer whose name differs, and a missing layer', async () => {
      const renamed = join(dir, 'renamed.h5');
      writeVgg16H5(renamed, { variant: 'notop', input: [32, 32], rename: { block3_conv2: 'conv_x' } });
      await expect(vgg16({ weights: renamed, includeTop: false, inputShape: [32, 32, 3] })).rejects.toThrow(
        /layer 6 with weights is 'conv_x' in the file but 'block3_conv2' in model/,
      );
      const missing = join(dir, 'missing.h5');
      writeVgg16H5(missing, { variant: 'notop', input: [32, 32], drop: ['block5_conv3'] });
      await expect(vgg16({ weights: missing, includeTop: false, inputShape: [32, 32, 3] })).rejects.toThrow(
        /has 12 \(block1_conv1 \.\.\. block5_conv2\) layers with weights; model vgg16(_\d+)? has 13/,
      );
    });

    it('names the weight and both shapes when the classifier was made for another input size', async () => {
      await expect(vgg16({ weights: top, inputShape: [64, 64, 3], classes: 10 })).rejects.toThrow(
        /weight fc1\/kernel:0 of layer fc1 has shape \[512, 4096\] in the file; the model expects \[2048, 4096\]/,
      );
    });

    it('reports a truncated file (an interrupted download) as such', async () => {
      const cut = join(dir, 'truncated.h5');
      const bytes = readFileSync(notop);
      writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
      await expect(vgg16({ weights: cut, includeTop: false, inputShape: [32, 32, 3] })).rejects.toThrow(
        /truncated/,
      );
    });

    it("refuses a cached file whose md5 differs from Keras's", async () => {
      const cacheDir = mkdtempSync(join(tmpdir(), 'vgg16-cache-'));
      copyFileSync(notop, join(cacheDir, 'vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5'));
      await expect(
        vgg16({ weights: 'imagenet', includeTop: false, inputShape: [32, 32, 3], download: { cacheDir } }),
      ).rejects.toThrow(/has md5 [0-9a-f]{32}, expected 6d6bbae143d832006294945121d1f1fc/);
    });
  });
});
if (why) describe('VGG16 with Keras-layout weight files', () => it.skip(`skipped: ${why}`, () => {}));
