import { setConvAlgorithms } from '@convkit/tensor';
import * as tf from '@tensorflow/tfjs-core';
import type { Benchmark, Measurement, Ratio } from '../harness';
import { callsPerSecond, startWebgpu } from '../webgpu';

/** The conv layers of the chapter's MNIST convnet: input [h, w, ci] and out-channels (3x3, valid). */
const LAYERS = [
  { name: 'conv1', h: 28, w: 28, ci: 1, co: 32 },
  { name: 'conv2', h: 13, w: 13, ci: 32, co: 64 },
  { name: 'conv3', h: 5, w: 5, ci: 64, co: 64 },
] as const;
const BATCHES = [64, 512];
/**
 * The kernels of one training step of the chapter's MNIST convnet on WebGPU, at batch 64 and 512:
 * each conv's forward (fused with bias and relu), its filter gradient, its input gradient, and
 * max-pooling's gradient; calls/s, with ms per call. Where convkit replaces tfjs-backend-webgpu's
 * kernel (the forward, the filter and max-pool gradients) both are timed, and the ratio says how many times
 * faster convkit's is. Says where a step's GPU time goes.
 */
export const webgpuConvGrads: Benchmark = {
  name: 'webgpu-conv-grads',
  description:
    'MNIST convnet kernels on WebGPU at batch 64 and 512: conv forward, filter and input gradients, max-pool gradient (calls/s)',
  async run() {
    const why = await startWebgpu();
    if (why) return { measurements: [], ratios: [], notes: [`skipped: ${why}`] };
    const measurements: Measurement[] = [];
    const ratios: Ratio[] = [];
    const time = async (label: string, run: () => tf.Tensor) => {
      const perSecond = await callsPerSecond(run);
      measurements.push({ label, perSecond, unit: 'calls/s', note: `${(1000 / perSecond).toFixed(3)} ms` });
    };
    /** Times `run` with tfjs's kernels, then with convkit's (its GEMM for the forward), and adds their ratio. */
    const both = async (label: string, run: () => tf.Tensor) => {
      const previous = setConvAlgorithms({ webgpu: 'tfjs', webgpuForward: 'tfjs' });
      await time(`${label} tfjs`, run);
      setConvAlgorithms({ webgpu: 'convkit', webgpuForward: 'gemm' });
      await time(`${label} convkit`, run);
      setConvAlgorithms(previous);
      ratios.push({ of: `${label} convkit`, over: `${label} tfjs` });
    };
    for (const batch of BATCHES) {
      for (const l of LAYERS) {
        const [oh, ow] = [l.h - 2, l.w - 2];
        const x = tf.randomNormal([batch, l.h, l.w, l.ci], 0, 1, 'float32', 1) as tf.Tensor4D;
        const filter = tf.randomNormal([3, 3, l.ci, l.co], 0, 0.1, 'float32', 2) as tf.Tensor4D;
        const bias = tf.zeros([l.co]);
        const dy = tf.randomNormal([batch, oh, ow, l.co], 0, 1, 'float32', 3) as tf.Tensor4D;
        const common = { strides: 1, pad: 'valid', dataFormat: 'NHWC' } as const;
        const at = `${l.name} b${batch}`;
        await both(`${at} forward`, () =>
          tf.fused.conv2d({ x, filter, bias, strides: 1, pad: 'valid', activation: 'relu' }),
        );
        const dW = () =>
          tf.engine().runKernel(tf.Conv2DBackpropFilter, { x, dy }, {
            ...common,
            filterShape: filter.shape,
          } as never) as tf.Tensor;
        await both(`${at} dW`, dW);
        if (l.name !== 'conv1') {
          const dX = () =>
            tf.engine().runKernel(tf.Conv2DBackpropInput, { dy, filter }, {
              ...common,
              inputShape: x.shape,
            } as never) as tf.Tensor;
          await time(`${at} dX`, dX);
        }
        if (l.name !== 'conv3') {
          const pooled = tf.maxPool(dy, 2, 2, 'valid');
          const poolGrad = () =>
            tf.engine().runKernel(tf.MaxPoolGrad, { dy: pooled, input: dy, output: pooled }, {
              filterSize: 2,
              strides: 2,
              pad: 'valid',
            } as never) as tf.Tensor;
          await both(`${at} maxPool grad`, poolGrad);
          pooled.dispose();
        }
        tf.dispose([x, filter, bias, dy]);
      }
    }
    return {
      measurements,
      ratios,
      notes: ['each call is timed queued back to back, 20 per read-back; ms per call in brackets'],
    };
  },
};
