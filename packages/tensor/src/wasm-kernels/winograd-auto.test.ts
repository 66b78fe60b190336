import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { type WinogradUse, winogradGains } from './winograd-auto';

/** A 3x3 stride-1 conv's geometry from [batch, height, width, in-channels], out-channels and padding. */
function conv(x: [number, number, number, number], outChannels: number, pad: 'same' | 'valid') {
  return tf.backend_util.computeConv2DInfo(x, [3, 3, x[3], outChannels], 1, 1, pad);
}

const ALL_USES: WinogradUse[] = ['forward', 'inputGradient', 'filterGradient'];

/** The uses 'auto' takes Winograd for, for a new filter and for one used before. */
function usesTaken(info: tf.backend_util.Conv2DInfo, reused = false): WinogradUse[] {
  return ALL_USES.filter((use) => winogradGains(use, info, reused));
}

describe('winogradGains: where auto takes Winograd on wasm', () => {
  it('takes every use for the chapter-sized training layers with 32+ channels', () => {
    expect(usesTaken(conv([20, 74, 74, 32], 64, 'valid'))).toEqual(ALL_USES); // cats-vs-dogs conv2, 150x150
    expect(usesTaken(conv([20, 36, 36, 64], 128, 'valid'))).toEqual(ALL_USES); // its conv3
    expect(usesTaken(conv([20, 75, 75, 128], 128, 'same'))).toEqual(ALL_USES); // VGG16 block2
    // VGG16 block5 (1,620 output pixels): in training only its filter gradient gains.
    expect(usesTaken(conv([20, 9, 9, 512], 512, 'same'))).toEqual(['filterGradient']);
    expect(usesTaken(conv([20, 9, 9, 512], 512, 'same'), true)).toEqual(ALL_USES);
  });

  it("keeps MNIST's and the tour's small convs on XNNPACK while training", () => {
    expect(usesTaken(conv([64, 13, 13, 32], 64, 'valid'))).toEqual([]); // MNIST conv2
    expect(usesTaken(conv([64, 5, 5, 64], 64, 'valid'))).toEqual([]); // MNIST conv3: 576 pixels
    expect(usesTaken(conv([32, 14, 14, 32], 64, 'valid'))).toEqual([]); // the tour's conv3
  });

  it('never takes it with fewer than 32 channels on either side', () => {
    expect(usesTaken(conv([20, 150, 150, 16], 64, 'same'))).toEqual([]);
    expect(usesTaken(conv([20, 150, 150, 64], 16, 'same'), true)).toEqual([]);
  });

  it('takes 32-channel convs from 16,384 output pixels, their filter gradients from 32,768', () => {
    expect(usesTaken(conv([16, 32, 32, 32], 32, 'same'))).toEqual(['forward', 'inputGradient']);
    expect(usesTaken(conv([16, 32, 32, 32], 32, 'same'), true)).toEqual(['forward', 'inputGradient']);
    expect(usesTaken(conv([15, 33, 33, 32], 32, 'valid'))).toEqual([]); // 15 x 31 x 31 = 14,415
    expect(usesTaken(conv([32, 32, 32, 32], 48, 'same'))).toEqual(ALL_USES);
    expect(usesTaken(conv([31, 32, 32, 32], 48, 'same'))).toEqual(['forward', 'inputGradient']);
  });

  it('takes 64-channel convs from 2,048 output pixels forward, 4,096 for the input gradient, 64 once the filter is reused', () => {
    expect(usesTaken(conv([2, 32, 32, 64], 64, 'same'))).toEqual(['forward', 'filterGradient']);
    expect(usesTaken(conv([4, 32, 32, 64], 64, 'same'))).toEqual(ALL_USES);
    expect(usesTaken(conv([1, 31, 66, 64], 64, 'same'))).toEqual([]); // 2,046 pixels
    expect(usesTaken(conv([1, 8, 8, 64], 64, 'same'), true)).toEqual(['forward', 'inputGradient']);
    expect(usesTaken(conv([1, 7, 9, 64], 64, 'same'), true)).toEqual([]); // 63 pixels
  });

  it('weighs the filter gradient by output pixels x channels (2,048 x 64 with 64+ channels)', () => {
    expect(winogradGains('filterGradient', conv([1, 32, 32, 128], 128, 'same'), false)).toBe(true); // 1,024 x 128
    expect(winogradGains('filterGradient', conv([1, 32, 31, 128], 128, 'same'), false)).toBe(false);
  });
});
