import type * as tf from '@tensorflow/tfjs-core';

/** What a Winograd conv computes: the forward conv, its input gradient or its filter gradient. */
export type WinogradUse = 'forward' | 'inputGradient' | 'filterGradient';

/**
 * Where 'auto' takes Winograd on wasm, by the conv's fewer channels and its output pixels (batch
 * x height x width of what the Winograd conv writes). With few channels XNNPACK's thin matMuls
 * are as fast, and the transforms cost more than the products save; a new filter (every training
 * step) also costs a transform and XNNPACK's packing of its α² matrices. Measured on 2 x86 cores,
 * best of 5-12 calls, F(4x4) against the best other algorithm, in ms. The 32-channel figures use
 * new tensors each call, as training does (XNNPACK keeps a matMul's packed right-hand side while
 * that tensor lives, which favours im2col when the same dy comes back); the 64-channel filter
 * gradients did not, which understates Winograd's gain there.
 * - 64+ channels: VGG16's layers forward 2-2.9x faster; a new filter's input gradient at
 *   20x18x18x512 336 against 557, at 20x9x9x512 251 against 151; the filter gradient at
 *   20x37x37, 256 to 256, 343 against 921, at 20x13x13, 128 to 128, 17 against 22, and for
 *   MNIST's conv3 (64x3x3, 64 to 64) 2.1 against 1.3.
 * - 32 channels (cats-vs-dogs' conv2 at 150x150, 20x72x72, 32 to 64): forward 44 against 69,
 *   input gradient 38 against 71, filter gradient 116 against 147. From about 16,000 output
 *   pixels the forward conv and input gradient gain (20x28x28: 6.2 against 10.1, 8.6 against
 *   12.0), the filter gradient from about 30,000 (20x28x28: 18.0 against 18.1; 20x38x38: 39.7
 *   against 40.6; 8x72x72: 47 against 53). MNIST's conv2 (64x11x11) stays on XNNPACK: forward
 *   even, filter gradient 10.3 against 9.1.
 * - 16 channels (the tour's conv2, 32x29x29, 16 to 32): XNNPACK wins, forward 5.1 against 6.8,
 *   filter gradient 10.3 against 16.9.
 * `filterReused`: whether this filter ran the same use before (weights fixed: inference, Grad-CAM,
 * filter patterns), which saves its transform; the filter gradient has no filter to reuse.
 */
export function winogradGains(
  use: WinogradUse,
  info: tf.backend_util.Conv2DInfo,
  filterReused: boolean,
): boolean {
  const channels = Math.min(info.inChannels, info.outChannels);
  const outputs = info.batchSize * info.outHeight * info.outWidth;
  if (channels < 32) return false;
  if (channels < 64) return outputs >= (use === 'filterGradient' ? 32768 : 16384);
  if (use === 'filterGradient') return outputs * channels >= 2048 * 64;
  if (filterReused) return outputs >= 64;
  return outputs >= (use === 'forward' ? 2048 : 4096);
}
