/** How convkit's kernels compute conv2d and its two gradients on wasm, and which kernels run convnets on webgpu and webgl. */
export interface ConvAlgorithms {
  /**
   * Conv2D and FusedConv2D (NHWC): 'winograd2x2' and 'winograd4x4' run 3x3 stride-1
   * convolutions (in- and out-channels multiples of 4, activation none or relu) as Winograd
   * F(2x2, 3x3) or F(4x4, 3x3): 16 or 36 XNNPACK matMuls over 2x2 or 4x4 output tiles, 2.25x or
   * 4x fewer products; 'winograd' runs them with the tile that needs fewer products over the
   * output (4x4 unless the output's edges waste most of a 4x4 tile); 'xnnpack' always runs
   * tfjs-backend-wasm's XNNPACK conv. 'auto' runs 'winograd' where it applies with at least 64
   * in- and out-channels and 2,048 output pixels, or 64 for a filter used before (inference
   * reuses its weights); with 32 to 63 channels from 16,384 output pixels.
   */
  forward: 'auto' | 'winograd' | 'winograd2x2' | 'winograd4x4' | 'xnnpack';
  /**
   * Conv2DBackpropFilter: 'conv' runs one XNNPACK conv2d (input as batch x channels swapped,
   * dy as the filter); 'im2col' lays out input patches on the heap and runs one XNNPACK matMul;
   * 'direct' accumulates the sums in SIMD without im2col or packing (out-channels a multiple of
   * 32; elsewhere it falls back to im2col); 'winograd', 'winograd2x2' and 'winograd4x4' (3x3,
   * stride 1, channels multiples of 4) transform the input's patches and dy's tiles, sum their
   * products over the tiles in α² XNNPACK matMuls and transform the sums back (the tile as for
   * the forward conv), falling back to 'auto' elsewhere. 'auto' picks winograd with 64+ in- and
   * out-channels and output pixels x the fewer channels at least 2,048 x 64 (VGG16's layers), or
   * 32 to 63 channels and 32,768 output pixels, else direct for at most 32 taps x in-channels
   * (first layers), else im2col when in-channels x kernel area is small (the conv's
   * GEMM is then thin) or the batch is small (under 16), else conv.
   */
  filter: 'auto' | 'conv' | 'im2col' | 'direct' | 'winograd' | 'winograd2x2' | 'winograd4x4';
  /**
   * Conv2DBackpropInput: 'conv' runs one XNNPACK conv2d of the (stride-dilated, padded) dy with
   * the rotated filter; 'col2im' runs one XNNPACK matMul and scatters its columns onto the
   * heap; 'winograd', 'winograd2x2' and 'winograd4x4' (3x3, stride 1, channels multiples of 4)
   * convolve dy with the rotated filter as Winograd, with the tile as for the forward conv,
   * falling back to 'auto' elsewhere. 'auto' picks winograd where it applies with 64+ channels
   * and 4,096 output pixels, or 64 for a filter used before (gradients with respect to an input
   * under fixed weights: Grad-CAM, filter patterns), or 32 to 63 channels and 16,384 output
   * pixels, else col2im with the SIMD helpers (in-channels a multiple of 4), or when
   * the conv would mostly multiply padding or zeros (small outputs, strides) or has few output
   * channels.
   */
  input: 'auto' | 'conv' | 'col2im' | 'winograd' | 'winograd2x2' | 'winograd4x4';
  /**
   * Gradients on webgpu: 'convkit' runs convkit's conv2d filter gradient (a tiled product whose
   * reduction over the batch is split across workgroups) and its one-pass max-pool gradient;
   * 'tfjs' runs tfjs-backend-webgpu's own.
   */
  webgpu: 'convkit' | 'tfjs';
  /**
   * Training kernels on webgl: 'convkit' runs convkit's conv2d filter gradient (the sum over the
   * batch split into chunks, one fragment each, then a draw that adds them), and its max-pooling,
   * max-pool gradient, softmax and sum over leading axes (bias gradients) in one or two draws
   * each, all reading and writing the packed textures tfjs's convolutions and matMuls use; 'tfjs'
   * runs tfjs-backend-webgl's own (the filter gradient: one fragment per filter element, looping
   * over the whole batch; the others unpacked, with pack and unpack draws around them).
   */
  webgl: 'convkit' | 'tfjs';
  /**
   * Conv2D and FusedConv2D on webgpu (NHWC): 'tfjs' runs tfjs-backend-webgpu's kernel (32 x 32
   * output tiles, 4 x 4 per thread); 'gemm' runs convkit's implicit GEMM (up to 128 x 128 tiles,
   * 8 x 8 per thread); 'winograd2x2' and 'winograd4x4' run 3x3 stride-1 convs (channels multiples
   * of 4) as Winograd F(2x2, 3x3) or F(4x4, 3x3): a transform of the input, 16 or 36 batched
   * products of convkit's GEMM (2.25x or 4x fewer multiplies), and a transform of the output,
   * falling back to 'gemm' elsewhere. 'auto' runs, for each shape, what tuneWebgpuConv2d timed
   * fastest on this GPU, and tfjs's kernel for shapes it has not tuned.
   */
  webgpuForward: 'auto' | 'tfjs' | 'gemm' | 'winograd2x2' | 'winograd4x4';
}

const current: ConvAlgorithms = {
  forward: 'auto',
  filter: 'auto',
  input: 'auto',
  webgpu: 'convkit',
  webgl: 'convkit',
  webgpuForward: 'auto',
};

/** The algorithms the conv2d kernels use now. */
export function convAlgorithms(): ConvAlgorithms {
  return { ...current };
}

/**
 * Forces an algorithm for the conv2d kernels (for benchmarks and tests); returns the
 * previous setting so it can be restored.
 */
export function setConvAlgorithms(choice: Partial<ConvAlgorithms>): ConvAlgorithms {
  const previous = { ...current };
  Object.assign(current, choice);
  return previous;
}
