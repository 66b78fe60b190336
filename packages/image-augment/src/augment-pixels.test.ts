import { createRandom, pixelsToTensor } from '@convkit/tensor';
import { expectNoLeakedTensors, forEachBackend } from '@convkit/tensor/testing';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { ImageDataGenerator } from './image-data-generator';
import type { ImageDataGeneratorOptions } from './options';
import { testPicture } from './test-support/fixtures';

const geometry = {
  rotationRange: 40,
  widthShiftRange: 0.2,
  heightShiftRange: 0.2,
  shearRange: 20,
  zoomRange: 0.2,
  horizontalFlip: true,
};
const configs: [string, ImageDataGeneratorOptions][] = [
  ['rescale folded, nearest', { ...geometry, rescale: 1 / 255 }],
  [
    'rescale folded, constant cval, channel shift',
    { ...geometry, rescale: 1 / 255, fillMode: 'constant', cval: 90, channelShiftRange: 40 },
  ],
  [
    'rescale folded, wrap, samplewise',
    { ...geometry, rescale: 0.5, fillMode: 'wrap', samplewiseStdNormalization: true },
  ],
  ['not folded: brightness', { ...geometry, rescale: 1 / 255, brightnessRange: [0.5, 1.5] }],
  [
    'not folded: preprocessingFunction',
    { ...geometry, rescale: 1 / 255, preprocessingFunction: (x) => tf.sqrt(x) as tf.Tensor3D },
  ],
  ['not folded: negative rescale', { ...geometry, rescale: -1 / 255, channelShiftRange: 30 }],
  ['no rescale', { ...geometry, fillMode: 'reflect' }],
];

forEachBackend(['cpu', 'wasm'], () => {
  describe('augmentPixels', () => {
    it.each(configs)('gives what augment gives on the same pixels (%s)', async (_, options) => {
      const g = new ImageDataGenerator(options, { onWarning: () => {} });
      const image = testPicture(23, 17);
      const x = pixelsToTensor(image);
      for (let seed = 0; seed < 4; seed++) {
        const a = g.augment(x, createRandom(seed));
        const b = await expectNoLeakedTensors(() => g.augmentPixels(image, createRandom(seed)), {
          allowed: 1,
        });
        const av = a.dataSync();
        const bv = b.dataSync();
        const scale = Math.max(...Array.from(av, Math.abs), 1e-6);
        let worst = 0;
        for (let i = 0; i < av.length; i++) worst = Math.max(worst, Math.abs(av[i] - bv[i]));
        expect(worst / scale).toBeLessThan(1e-5);
        tf.dispose([a, b]);
      }
      x.dispose();
    });
  });
});
