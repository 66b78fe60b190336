import { initBackend } from '@convkit/tensor';
import { expectNoLeakedTensors } from '@convkit/tensor/testing';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { gradCam } from './grad-cam';
import { overlay } from './overlay';
import { vgg16Shaped } from './testing/real-models';

describe('on a VGG16-shaped model (wasm)', () => {
  it('defaults to block5_conv3 and the top class, as the chapter, for a batch, without leaks', async () => {
    await initBackend('wasm');
    const model = vgg16Shaped(48);
    const x = tf.randomUniform([2, 48, 48, 3], -120, 150, 'float32', 2);
    const probs = model.predict(x);
    const top = Array.from(tf.tidy(() => tf.argMax(probs, 1)).dataSync());
    const cam = await expectNoLeakedTensors(() => gradCam(model, x));
    expect(cam.layerName).toBe('block5_conv3');
    expect(cam.classIndices).toEqual(top);
    expect([cam.heatmap.width, cam.heatmap.height]).toEqual([3, 3]);
    for (const h of cam.heatmaps) {
      expect(h.data.every((v) => v >= 0 && v <= 1)).toBe(true);
      expect(h.data.some(Number.isNaN)).toBe(false);
    }
    const logits = await gradCam(model, x, { classIndex: 4, logits: true, layerName: 'block4_conv3' });
    expect([logits.heatmap.width, logits.heatmap.height]).toEqual([6, 6]);
    const image = {
      width: 224,
      height: 224,
      channels: 3 as const,
      data: new Uint8Array(224 * 224 * 3).fill(90),
    };
    expect(overlay(image, cam.heatmap).pixels.width).toBe(224);
    tf.dispose([x, probs]);
    model.dispose();
  });
});
