import { conv2d, dense, flatten, sequential } from '@convkit/layers';
import { initBackend, type PixelImage } from '@convkit/tensor';
import {
  expectNoLeakedTensors,
  type FakeModel,
  fakeModel,
  pythonUnavailable,
  runPython,
} from '@convkit/tensor/testing';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gradCam } from './grad-cam';
import type { GradCamModel } from './model';
import { nestedConvnet, smallConvnet } from './testing/real-models';

let model: FakeModel;
let x: tf.Tensor4D;
beforeAll(async () => {
  await initBackend('cpu');
  model = fakeModel(
    [32, 32, 3],
    [
      { type: 'conv', filters: 8, name: 'conv2d_1' },
      { type: 'pool', name: 'max_pooling2d_1' },
      { type: 'conv', filters: 16, name: 'conv2d_2' },
      { type: 'pool', name: 'max_pooling2d_2' },
      { type: 'conv', filters: 16, name: 'conv2d_3' },
      { type: 'flatten', name: 'flatten' },
      { type: 'dense', units: 32, activation: 'relu', name: 'dense_1' },
      { type: 'dense', units: 5, activation: 'softmax', name: 'dense_2' },
    ],
    21,
    'small_convnet',
  );
  x = tf.randomUniform([2, 32, 32, 3], 0, 1, 'float32', 5) as tf.Tensor4D;
});
afterAll(() => {
  model.dispose();
  x.dispose();
});

/** The same network and Grad-CAM in PyTorch (NCHW; flattening in NHWC order as Keras). */
const TORCH_GRADCAM = `
import torch
import torch.nn.functional as F
def t(n, shape): return torch.from_numpy(inp(n).reshape(shape).copy())
x = t('x', (2, 32, 32, 3)).permute(0, 3, 1, 2)
k = [(t('k%d' % i, shape), t('b%d' % i, (shape[3],))) for i, shape in [(1, (3, 3, 3, 8)), (2, (3, 3, 8, 16)), (3, (3, 3, 16, 16))]]
d1, db1, d2, db2 = t('d1', (256, 32)), t('db1', (32,)), t('d2', (32, 5)), t('db2', (5,))
def conv(a, kb): return torch.relu(F.conv2d(a, kb[0].permute(3, 2, 0, 1), kb[1]))
def gradcam(classes, use_logits):
    a = F.max_pool2d(conv(x, k[0]), 2)
    a = F.max_pool2d(conv(a, k[1]), 2)
    A = conv(a, k[2]).detach().requires_grad_()
    flat = A.permute(0, 2, 3, 1).reshape(2, -1)
    logits = torch.relu(flat @ d1 + db1) @ d2 + db2
    score = logits if use_logits else torch.softmax(logits, 1)
    if classes is None: classes = score.argmax(1).tolist()
    g = torch.autograd.grad(score[range(2), classes].sum(), A)[0]
    cam = torch.relu((A * g.mean((2, 3), keepdim=True)).mean(1))
    cam = cam / cam.amax((1, 2), keepdim=True)
    return cam.detach().numpy(), classes
for name, classes, use_logits in [('chosen', [3, 1], False), ('default', None, False), ('logits', [2, 4], True)]:
    cam, cls = gradcam(classes, use_logits)
    out(name, cam)
    out(name + '_classes', np.array(cls))
`;

function weights(m: GradCamModel): Record<string, Float32Array> {
  const names = ['k1', 'b1', 'k2', 'b2', 'k3', 'b3', 'd1', 'db1', 'd2', 'db2'];
  const values = m.layers.flatMap((l) => l.weights.map((w) => w.variable.dataSync() as Float32Array));
  return Object.fromEntries(names.map((n, i) => [n, values[i]]));
}

/**
 * Compares our heatmaps with PyTorch's image by image: where PyTorch's map is all negative its
 * cam / max is NaN and ours must be all zeros; elsewhere the largest difference over the largest
 * value must stay under 1e-4. Returns the worst relative error and how many real maps matched.
 */
function compare(got: Float32Array[], want: Float32Array): { worst: number; real: number } {
  let worst = 0;
  let real = 0;
  got.forEach((map, k) => {
    const ref = want.subarray(k * map.length, (k + 1) * map.length);
    if (Array.from(ref).every(Number.isNaN)) {
      expect(Array.from(map)).toEqual(new Array(map.length).fill(0));
      return;
    }
    let maxRef = 0;
    let maxDiff = 0;
    for (let i = 0; i < map.length; i++) {
      maxRef = Math.max(maxRef, Math.abs(ref[i]));
      maxDiff = Math.max(maxDiff, Math.abs(map[i] - ref[i]));
    }
    expect(maxDiff / maxRef).toBeLessThan(1e-4);
    expect(Math.max(...map)).toBeCloseTo(1, 6);
    worst = Math.max(worst, maxDiff / maxRef);
    real++;
  });
  return { worst, real };
}

const TORCH_MISSING = pythonUnavailable(['numpy', 'torch']);

describe('gradCam', () => {
  if (TORCH_MISSING) it.skip(`PyTorch reference check: ${TORCH_MISSING}`, () => {});
  it.skipIf(TORCH_MISSING !== undefined).each([
    ['a stand-in model', () => model, false],
    ['a @convkit/layers Sequential', () => smallConvnet(7), true],
    ['a Sequential with a nested conv base', () => nestedConvnet(7), true],
  ])(
    'matches PyTorch on the same weights (%s): chosen class, default class, logits',
    async (label, make, own) => {
      const model = make() as GradCamModel & { predict(x: tf.Tensor): tf.Tensor; dispose(): void };
      // build it (the layers make their weights on first use)
      model.predict(x).dispose();
      const ref = runPython(TORCH_GRADCAM, { x: x.dataSync() as Float32Array, ...weights(model) }, [
        'chosen',
        'default',
        'default_classes',
        'logits',
      ]);
      const chosen = await gradCam(model, x, { classIndex: [3, 1] });
      expect(chosen.layerName).toBe('conv2d_3'); // the last conv layer by default
      expect([chosen.heatmap.width, chosen.heatmap.height]).toEqual([4, 4]);
      const byDefault = await gradCam(model, x);
      expect(byDefault.classIndices).toEqual(Array.from(ref.default_classes));
      const probs = model.predict(x);
      const p = probs.arraySync() as number[][];
      probs.dispose();
      byDefault.classIndices.forEach((c, i) => {
        expect(Math.max(...p[i])).toBe(p[i][c]);
        expect(byDefault.scores[i]).toBeCloseTo(p[i][c], 6);
      });
      const logits = await gradCam(model, x, { classIndex: [2, 4], logits: true });
      const results = [
        compare(
          chosen.heatmaps.map((h) => h.data),
          ref.chosen,
        ),
        compare(
          byDefault.heatmaps.map((h) => h.data),
          ref.default,
        ),
        compare(
          logits.heatmaps.map((h) => h.data),
          ref.logits,
        ),
      ];
      // most maps are real ones (not the all-zero case), so the comparison has teeth
      expect(results.reduce((n, r) => n + r.real, 0)).toBeGreaterThanOrEqual(4);
      const worst = Math.max(...results.map((r) => r.worst));
      console.log(`Grad-CAM vs PyTorch on ${label}: worst relative difference ${worst.toExponential(2)}`);
      if (own) model.dispose();
    },
  );

  it("explains a one-unit sigmoid output (the chapter's cats vs dogs net) as class 0", async () => {
    const binary = sequential([
      conv2d({ filters: 4, kernelSize: 3, activation: 'relu', inputShape: [12, 12, 3], seed: 5 }),
      flatten(),
      dense({ units: 1, activation: 'sigmoid', seed: 6 }),
    ]);
    const input = tf.randomUniform([2, 12, 12, 3], 0, 1, 'float32', 7);
    const result = await gradCam(binary, input, {});
    expect(result.classIndices).toEqual([0, 0]);
    // Reference: d(output)/d(features), spatial mean per channel, weighted channel mean, ReLU, / max.
    const { head, tail } = binary.splitAt(binary.layers[0].name);
    const expected = tf.tidy(() => {
      const features = head(input);
      const grads = tf.grad((f: tf.Tensor) => tf.sum(tail(f)))(features);
      const cam = tf.relu(tf.mean(tf.mul(features, tf.mean(grads, [1, 2], true)), 3));
      return tf.divNoNan(cam, tf.max(cam, [1, 2], true));
    });
    const values = expected.dataSync();
    result.heatmaps.forEach((h, i) => {
      for (let j = 0; j < h.data.length; j++) expect(h.data[j]).toBeCloseTo(values[i * h.data.length + j], 5);
    });
    await expect(gradCam(binary, input, { classIndex: 1 })).rejects.toThrow(/out of range/);
    tf.dispose([input, expected]);
    binary.dispose();
  });

  it('gives each image of a batch the heatmap it gets alone', async () => {
    const batch = await gradCam(model, x, { classIndex: [0, 4] });
    const second = tf.slice(x, [1, 0, 0, 0], [1, 32, 32, 3]);
    const alone = await gradCam(model, second, { classIndex: 4 });
    second.dispose();
    for (let i = 0; i < 16; i++) expect(batch.heatmaps[1].data[i]).toBeCloseTo(alone.heatmap.data[i], 5);
  });

  it('takes pixels (scaled by 1/255 by default) and any feature layer, including pooling', async () => {
    const image: PixelImage = {
      width: 32,
      height: 32,
      channels: 3,
      data: new Uint8Array(32 * 32 * 3).map((_, i) => (i * 37) % 256),
    };
    const fromPixels = await gradCam(model, image, { layerName: 'max_pooling2d_2', classIndex: 1 });
    const scaled = tf.tidy(() =>
      tf.div(tf.tensor4d(Float32Array.from(image.data), [1, 32, 32, 3], 'float32'), 255),
    );
    const fromTensor = await gradCam(model, scaled, { layerName: 'max_pooling2d_2', classIndex: 1 });
    scaled.dispose();
    expect([fromPixels.heatmap.width, fromPixels.heatmap.height]).toEqual([6, 6]);
    expect(Array.from(fromPixels.heatmap.data)).toEqual(Array.from(fromTensor.heatmap.data));
  });

  it('makes 100 heatmaps without leaking tensors (a @convkit/layers model, both score kinds)', async () => {
    const real = nestedConvnet(3);
    const one = tf.slice(x, [0, 0, 0, 0], [1, 32, 32, 3]);
    real.predict(one).dispose();
    await expectNoLeakedTensors(async () => {
      for (let i = 0; i < 100; i++) {
        const layerName = i % 3 === 0 ? 'max_pooling2d_2' : undefined;
        await gradCam(real, one, {
          layerName,
          classIndex: i % 4 === 0 ? undefined : i % 5,
          logits: i % 2 === 0,
        });
      }
    });
    one.dispose();
    real.dispose();
  });

  it('explains bad input', async () => {
    await expect(gradCam(model, x, { layerName: 'conv9' })).rejects.toThrow(
      /no layer named 'conv9'.*conv2d_1, max_pooling2d_1, conv2d_2, max_pooling2d_2, conv2d_3, flatten, dense_1, dense_2/,
    );
    await expect(gradCam(model, x, { layerName: 'dense_1' })).rejects.toThrow(
      /'dense_1' \(Dense\) has output shape \(None, 32\), not a feature map.*conv2d_1, max_pooling2d_1, conv2d_2, max_pooling2d_2, conv2d_3\./,
    );
    await expect(gradCam(model, x, { classIndex: 5 })).rejects.toThrow(
      /class index 5 is out of range; the model has 5 classes \(0 to 4\)/,
    );
    await expect(gradCam(model, x, { classIndex: [1, 2, 3] })).rejects.toThrow(
      /3 class indices for a batch of 2/,
    );
    const big = tf.zeros([1, 40, 40, 3]);
    await expect(gradCam(model, big)).rejects.toThrow(/takes 32x32 images.*got 40x40.*resize: true/);
    const resized = await gradCam(model, big, { resize: true, classIndex: 0 });
    expect(resized.heatmap.width).toBe(4);
    big.dispose();
    const grey = tf.zeros([1, 32, 32, 1]);
    await expect(gradCam(model, grey)).rejects.toThrow(/takes 3-channel images, the tensor has 1/);
    grey.dispose();
    const dense = fakeModel([4, 4, 1], [{ type: 'flatten' }, { type: 'dense', units: 2 }]);
    await expect(gradCam(dense, tf.zeros([1, 4, 4, 1]))).rejects.toThrow(/has no conv layer/);
    dense.dispose();
  });
});
