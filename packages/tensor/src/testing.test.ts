import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { expectNoLeakedTensors, forEachBackend } from './testing';

forEachBackend(['cpu', 'wasm'], (name) => {
  it('runs on the named backend', () => {
    expect(tf.getBackend()).toBe(name);
  });

  it('catches a planted leak', async () => {
    const error = await expectNoLeakedTensors(() => {
      tf.ones([3]);
    }).catch((e) => e);
    expect(error.message).toMatch(/Leaked 1 tensor/);
  });

  it('passes code that disposes what it makes', async () => {
    const value = await expectNoLeakedTensors(() => tf.tidy(() => tf.sum(tf.ones([3])).dataSync()[0]));
    expect(value).toBe(3);
  });
});
