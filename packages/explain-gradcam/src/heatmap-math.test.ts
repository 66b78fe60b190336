import { initBackend } from '@convkit/tensor';
import { expectNoLeakedTensors } from '@convkit/tensor/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { gradCamFromFeatures } from './heatmap-math';

beforeAll(async () => {
  await initBackend('cpu');
});

/** Hand-derived Grad-CAM for a linear score s_c = sum(A * W_c): the gradient is W_c itself. */
function expected(a: number[], w: number[], h: number, wd: number, c: number): number[] {
  const weights = Array.from({ length: c }, (_, k) => {
    let s = 0;
    for (let p = 0; p < h * wd; p++) s += w[p * c + k];
    return s / (h * wd);
  });
  const cam = Array.from({ length: h * wd }, (_, p) => {
    let s = 0;
    for (let k = 0; k < c; k++) s += a[p * c + k] * weights[k];
    return Math.max(0, s / c);
  });
  const max = Math.max(...cam);
  return cam.map((v) => (max > 0 ? v / max : 0));
}

describe('gradCamFromFeatures', () => {
  const [h, w, c] = [2, 3, 2];
  const a0 = [1, 0, 2, 1, 0, 3, 4, 1, 0, 0, 1, 1];
  const a1 = [0, 2, 1, 1, 3, 0, 0, 0, 2, 5, 1, 0];
  // two classes, each a weight map over [h, w, c]
  const w0 = [1, -1, 0.5, 0, 2, -1, 0, 1, -0.5, 0.5, 1, 0];
  const w1 = [-1, 1, 0, 2, 0.5, 0.5, -1, 0, 1, 1, 0, -2];

  const score = (weights: tf.Tensor) => (feat: tf.Tensor4D) =>
    tf.sum(tf.mul(tf.expandDims(feat, 1), weights), [2, 3, 4]) as tf.Tensor2D;

  it('matches the hand-derived heatmap, per image and class, in a batch', async () => {
    const weights = tf.tensor4d([...w0, ...w1], [2, h, w, c]);
    const features = tf.tensor4d([...a0, ...a1], [2, h, w, c]);
    const { heatmaps, scores } = await expectNoLeakedTensors(
      () => gradCamFromFeatures(features, score(weights), [0, 1]),
      { allowed: 2 },
    );
    const got = Array.from(heatmaps.dataSync());
    const want = [...expected(a0, w0, h, w, c), ...expected(a1, w1, h, w, c)];
    for (const [i, v] of got.entries()) expect(v).toBeCloseTo(want[i], 6);
    expect(Math.max(...got.slice(0, 6))).toBeCloseTo(1, 6);
    const dot = (a: number[], b: number[]) => a.reduce((s, v, i) => s + v * b[i], 0);
    expect(Array.from(scores.dataSync())).toEqual([dot(a0, w0), dot(a0, w1), dot(a1, w0), dot(a1, w1)]);
    tf.dispose([weights, features, heatmaps, scores]);
  });

  it('keeps an all-negative (after ReLU all-zero) heatmap at zero, never NaN', () => {
    const weights = tf.tensor4d([...w0.map(() => -1), ...w1], [2, h, w, c]);
    const features = tf.tensor4d(a0, [1, h, w, c]);
    const { heatmaps, scores } = gradCamFromFeatures(features, score(weights), [0]);
    expect(Array.from(heatmaps.dataSync())).toEqual([0, 0, 0, 0, 0, 0]);
    tf.dispose([weights, features, heatmaps, scores]);
  });
});
