import * as tf from '@tensorflow/tfjs-core';
// Registers tfjs's gradient for every kernel, as an app that also uses tfjs-layers does.
import '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import { ensureGradients, GRADIENTS } from './register';

const convkits = (kernelName: string) => GRADIENTS.find((g) => g.kernelName === kernelName);

describe('ensureGradients after @tensorflow/tfjs-layers registered its gradients', () => {
  it("puts convkit's conv2d and max-pool gradients (fast on cpu) in place of tfjs's, and keeps the others", () => {
    const tfjsAdd = tf.getGradient('Add');
    const tfjsConv = tf.getGradient('Conv2D');
    expect(tfjsAdd).toBeDefined();
    expect(tfjsConv).not.toBe(convkits('Conv2D'));
    ensureGradients();
    expect(tf.getGradient('Conv2D')).toBe(convkits('Conv2D'));
    expect(tf.getGradient('MaxPool')).toBe(convkits('MaxPool'));
    expect(tf.getGradient('Add')).toBe(tfjsAdd);
  });
});
