import * as tf from '@tensorflow/tfjs-core';
import { convAlgorithms } from '../wasm-kernels/algorithms';
import { type Conv2dSignature, tunedConv2dChoice } from './conv2d-choice';
import { CONV_TILES, type ConvTile, convGeometry, runImplicitGemm } from './implicit-gemm-webgpu';
import { runWinograd } from './winograd-webgpu';

/** A Conv2D or FusedConv2D call, as convkit's webgpu conv2d reads it. */
interface ConvCall {
  x: tf.TensorInfo;
  filter: tf.TensorInfo;
  bias?: tf.TensorInfo;
  activation: string;
  leakyreluAlpha?: number;
  strides: number | [number, number];
  pad: tf.Conv2DAttrs['pad'];
  dimRoundingMode?: tf.Conv2DAttrs['dimRoundingMode'];
}

/** How convkit computes a conv2d on webgpu: its implicit GEMM, or Winograd F(2x2) or F(4x4) where it applies. */
export type WebgpuConvAlgorithm = 'gemm' | 'winograd2x2' | 'winograd4x4';

/**
 * conv2d (NHWC) with convkit's `algorithm`, Winograd falling back to the implicit GEMM where it
 * does not apply (unless `exact`); undefined where neither does (out-channels not a multiple of
 * 4, an activation they do not fuse, more tiles than one dispatch holds).
 */
function runConv2d(
  backend: unknown,
  call: ConvCall,
  algorithm: WebgpuConvAlgorithm,
  tile?: ConvTile,
  exact = false,
) {
  const info = tf.backend_util.computeConv2DInfo(
    call.x.shape as [number, number, number, number],
    call.filter.shape as [number, number, number, number],
    call.strides,
    1,
    call.pad,
    call.dimRoundingMode,
  );
  if (algorithm !== 'gemm') {
    const m = algorithm === 'winograd2x2' ? 2 : 4;
    const y = runWinograd(backend, { ...call, info, m, tile });
    if (y || exact) return y;
  }
  return runImplicitGemm(backend, {
    ...call,
    outputShape: [info.batchSize, info.outHeight, info.outWidth, info.outChannels],
    geometry: convGeometry(info),
    tile,
  });
}

/** The call as tuning keys it. */
function signatureOf(call: ConvCall): Conv2dSignature {
  const { strides, pad, dimRoundingMode, activation, leakyreluAlpha } = call;
  return {
    x: [...call.x.shape],
    filter: [...call.filter.shape],
    strides: typeof strides === 'number' ? [strides, strides] : strides,
    pad,
    dimRoundingMode,
    bias: call.bias !== undefined,
    activation,
    leakyreluAlpha,
  };
}

/**
 * convkit's algorithm (and tile) for a call, or undefined to run tfjs's: for NCHW and dilations,
 * where setConvAlgorithms names 'tfjs', and under 'auto' where tuneWebgpuConv2d did not find
 * one of convkit's faster.
 */
function choiceFor(
  call: ConvCall,
  attrs: { dataFormat?: string; dilations?: number | [number, number] },
): { algorithm: WebgpuConvAlgorithm; tile?: ConvTile } | undefined {
  const dilations = attrs.dilations ?? 1;
  const undilated =
    typeof dilations === 'number' ? dilations === 1 : dilations[0] === 1 && dilations[1] === 1;
  if (attrs.dataFormat === 'NCHW' || !undilated) return undefined;
  const tuned = tunedConv2dChoice(signatureOf(call));
  const { webgpuForward } = convAlgorithms();
  const choice = webgpuForward === 'auto' ? tuned : { algorithm: webgpuForward };
  if (!choice || choice.algorithm === 'tfjs') return undefined;
  return { algorithm: choice.algorithm, tile: choice.tile && CONV_TILES[choice.tile] };
}

/**
 * FusedConv2D on webgpu (NHWC, bias and activation applied as each output is written) with the
 * algorithm `setConvAlgorithms({ webgpuForward })` names, or under 'auto' (the default) the one
 * tuneWebgpuConv2d found fastest for the call's shapes; tfjs's kernel (`original`) where it found
 * tfjs's fastest or did not tune, and for NCHW, dilations and prelu.
 */
export function fusedConv2dWebgpu(original: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { x, filter, bias, preluActivationWeights } = args.inputs as Record<
      string,
      tf.TensorInfo | undefined
    >;
    const attrs = args.attrs as unknown as tf.FusedConv2DAttrs;
    if (preluActivationWeights) return original(args);
    const call = { ...attrs, x: x!, filter: filter!, bias, activation: attrs.activation ?? 'linear' };
    const choice = choiceFor(call, attrs);
    if (!choice) return original(args);
    return runConv2d(args.backend, call, choice.algorithm, choice.tile) ?? original(args);
  };
}

/** Conv2D on webgpu; as fusedConv2dWebgpu, without bias or activation. */
export function conv2dWebgpu(original: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { x, filter } = args.inputs as Record<string, tf.TensorInfo>;
    const attrs = args.attrs as unknown as tf.Conv2DAttrs;
    const call = { ...attrs, x, filter, activation: 'linear' };
    const choice = choiceFor(call, attrs);
    if (!choice) return original(args);
    return runConv2d(args.backend, call, choice.algorithm, choice.tile) ?? original(args);
  };
}

/** A tf.fused.conv2d call (NHWC, undilated) that convkit's kernels run directly. */
export interface DirectConv2dArgs {
  x: tf.Tensor4D;
  filter: tf.Tensor4D;
  bias?: tf.Tensor1D;
  strides: number | [number, number];
  pad: tf.Conv2DAttrs['pad'];
  dimRoundingMode?: tf.Conv2DAttrs['dimRoundingMode'];
  activation: string;
  leakyreluAlpha?: number;
}

/**
 * tf.fused.conv2d on webgpu with exactly convkit's `algorithm` and `tile` (no fallback from
 * Winograd to the GEMM); undefined where that kernel does not apply.
 */
export function exactConv2d(
  args: DirectConv2dArgs,
  algorithm: WebgpuConvAlgorithm,
  tile?: ConvTile,
): tf.Tensor4D | undefined {
  const y = runConv2d(tf.backend(), args, algorithm, tile, true);
  return y && (tf.engine().makeTensorFromTensorInfo(y) as tf.Tensor4D);
}

/**
 * tf.fused.conv2d on webgpu with convkit's `algorithm` (Winograd falling back to the GEMM where
 * it does not apply) and a given tile for its products, for benchmarks that compare them;
 * throws where convkit has no kernel for the call.
 */
export function conv2dWithTile(
  args: DirectConv2dArgs,
  algorithm: WebgpuConvAlgorithm,
  tile: ConvTile,
): tf.Tensor4D {
  const y = runConv2d(tf.backend(), args, algorithm, tile);
  if (!y)
    throw new Error(
      `conv2dWithTile: convkit has no ${algorithm} kernel for this conv2d (out-channels not a multiple of 4?)`,
    );
  return tf.engine().makeTensorFromTensorInfo(y) as tf.Tensor4D;
}
