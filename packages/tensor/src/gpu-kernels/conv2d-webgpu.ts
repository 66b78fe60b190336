import * as tf from '@tensorflow/tfjs-core';
import { convAlgorithms } from '../wasm-kernels/algorithms';
import { type ConvTile, convGeometry, runImplicitGemm } from './implicit-gemm-webgpu';
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
 * does not apply; undefined where neither does (out-channels not a multiple of 4, an
 * activation they do not fuse, more tiles than one dispatch holds).
 */
function runConv2d(backend: unknown, call: ConvCall, algorithm: WebgpuConvAlgorithm, tile?: ConvTile) {
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
    if (y) return y;
  }
  return runImplicitGemm(backend, {
    ...call,
    outputShape: [info.batchSize, info.outHeight, info.outWidth, info.outChannels],
    geometry: convGeometry(info),
    tile,
  });
}

/** convkit's algorithm for a call with these attributes, or undefined to run tfjs's (NCHW, dilations, or chosen by setConvAlgorithms). */
function algorithmFor(attrs: { dataFormat?: string; dilations?: number | [number, number] }) {
  const dilations = attrs.dilations ?? 1;
  const undilated =
    typeof dilations === 'number' ? dilations === 1 : dilations[0] === 1 && dilations[1] === 1;
  const { webgpuForward } = convAlgorithms();
  return attrs.dataFormat === 'NCHW' || !undilated || webgpuForward === 'tfjs' ? undefined : webgpuForward;
}

/**
 * FusedConv2D on webgpu (NHWC, bias and activation applied as each output is written) with the
 * algorithm `setConvAlgorithms({ webgpuForward })` names; tfjs's kernel (`original`) by default,
 * and for NCHW, dilations and prelu.
 */
export function fusedConv2dWebgpu(original: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { x, filter, bias, preluActivationWeights } = args.inputs as Record<
      string,
      tf.TensorInfo | undefined
    >;
    const attrs = args.attrs as unknown as tf.FusedConv2DAttrs;
    const algorithm = algorithmFor(attrs);
    if (!algorithm || preluActivationWeights) return original(args);
    const call = { ...attrs, x: x!, filter: filter!, bias, activation: attrs.activation ?? 'linear' };
    return runConv2d(args.backend, call, algorithm) ?? original(args);
  };
}

/** Conv2D on webgpu; as fusedConv2dWebgpu, without bias or activation. */
export function conv2dWebgpu(original: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { x, filter } = args.inputs as Record<string, tf.TensorInfo>;
    const attrs = args.attrs as unknown as tf.Conv2DAttrs;
    const algorithm = algorithmFor(attrs);
    if (!algorithm) return original(args);
    return (
      runConv2d(args.backend, { ...attrs, x, filter, activation: 'linear' }, algorithm) ?? original(args)
    );
  };
}

/**
 * tf.fused.conv2d on webgpu with convkit's `algorithm` and a given tile for its products (for
 * benchmarks that compare them); throws where convkit has no kernel for the call.
 */
export function conv2dWithTile(
  args: {
    x: tf.Tensor4D;
    filter: tf.Tensor4D;
    bias?: tf.Tensor1D;
    strides: number | [number, number];
    pad: 'valid' | 'same' | number;
    activation: 'linear' | 'relu';
  },
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
