import { initBackend } from '@convkit/tensor';
import { expectNoLeakedTensors, pythonUnavailable, runPython } from '@convkit/tensor/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { deprocessImage } from './deprocess';
import { gradientAscent } from './gradient-ascent';

beforeAll(async () => {
  await initBackend('cpu');
});

describe('gradientAscent', () => {
  it('adds the gradient over its RMS + 1e-5, per image, times the step size', async () => {
    // objective_k(x) = sum(x_k * w_k): gradient w_k, whatever x is.
    const w = tf.tensor4d([1, -2, 3, 0.5, 0, 0, 0, 4], [2, 2, 2, 1]);
    const x0 = tf.zeros([2, 2, 2, 1]) as tf.Tensor4D;
    const { image, losses } = await expectNoLeakedTensors(
      () => gradientAscent((x) => tf.sum(tf.mul(x, w), [1, 2, 3]), x0, { steps: 2, stepSize: 0.5 }),
      { allowed: 1 },
    );
    const rms = [Math.sqrt((1 + 4 + 9 + 0.25) / 4) + 1e-5, Math.sqrt(16 / 4) + 1e-5];
    const wv = [1, -2, 3, 0.5, 0, 0, 0, 4];
    const want = wv.map((g, i) => 2 * 0.5 * (g / rms[Math.floor(i / 4)]));
    const got = Array.from(image.dataSync());
    for (const [i, v] of got.entries()) expect(v).toBeCloseTo(want[i], 5);
    expect(losses.length).toBe(3);
    expect(losses[0]).toEqual([0, 0]);
    expect(losses[2][1]).toBeCloseTo(16 / rms[1], 4);
    tf.dispose([w, x0, image]);
  });

  it('leaves a zero gradient as zero (no NaN)', async () => {
    const x0 = tf.ones([1, 2, 2, 1]) as tf.Tensor4D;
    const { image } = await gradientAscent((x) => tf.mul(tf.sum(x, [1, 2, 3]), 0), x0, { steps: 1 });
    expect(Array.from(image.dataSync())).toEqual([1, 1, 1, 1]);
    tf.dispose([x0, image]);
  });

  it('calls onStep after each step', async () => {
    const x0 = tf.ones([1, 2, 2, 1]) as tf.Tensor4D;
    const seen: number[] = [];
    const { image } = await gradientAscent((x) => tf.sum(tf.square(x), [1, 2, 3]), x0, {
      steps: 3,
      onStep: ({ step, steps }) => seen.push(step / steps),
    });
    expect(seen).toEqual([1 / 3, 2 / 3, 1]);
    tf.dispose([x0, image]);
  });
});

describe('deprocessImage', () => {
  it('matches the chapter deprocess_image run by numpy', (ctx) => {
    const why = pythonUnavailable();
    if (why) ctx.skip(why);
    const values = new Float32Array(3000).map((_, i) => 128 + 40 * Math.sin(i * 0.37) + (i % 7));
    const ref = runPython(
      `
x = inp('x').astype(np.float64)
x -= x.mean()
x /= (x.std() + 1e-5)
x *= 0.1
x += 0.5
x = np.clip(x, 0, 1)
x *= 255
x = np.clip(x, 0, 255).astype('uint8')
out('y', x)
`,
      { x: values },
      ['y'],
    );
    expect(Array.from(deprocessImage(values))).toEqual(Array.from(ref.y));
  });

  it('maps a constant image to mid-grey 127', () => {
    expect(Array.from(deprocessImage([5, 5, 5]))).toEqual([127, 127, 127]);
  });
});
