import { initBackend } from '@convkit/tensor';
import { expectNoLeakedTensors } from '@convkit/tensor/testing';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { gradCam } from './grad-cam';
import { nestedConvnet } from './testing/real-models';

describe('on wasm', () => {
  it('gives the heatmaps the cpu backend gives, without leaks', async () => {
    await initBackend('cpu');
    const model = nestedConvnet(11);
    const values = new Float32Array(2 * 32 * 32 * 3).map((_, i) => Math.abs(Math.sin(i * 0.013)));
    const onCpu = tf.tidy(() => tf.tensor4d(values, [2, 32, 32, 3]));
    const cpu = await gradCam(model, onCpu, { classIndex: [1, 3] });
    onCpu.dispose();
    await initBackend('wasm'); // the model's weights move over with it
    const x = tf.tensor4d(values, [2, 32, 32, 3]);
    const wasm = await expectNoLeakedTensors(() => gradCam(model, x, { classIndex: [1, 3] }));
    const logits = await gradCam(model, x, { logits: true });
    expect(logits.classIndices.length).toBe(2);
    for (const [k, map] of wasm.heatmaps.entries()) {
      for (let i = 0; i < map.data.length; i++)
        expect(Math.abs(map.data[i] - cpu.heatmaps[k].data[i])).toBeLessThan(1e-4);
    }
    x.dispose();
    model.dispose();
  });
});
