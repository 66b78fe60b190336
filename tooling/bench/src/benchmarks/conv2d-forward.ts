import { initBackend, wasmThreading } from '@convkit/tensor';
import * as tf from '@tensorflow/tfjs-core';
import type { Benchmark, Measurement } from '../harness';
import { throughput } from '../harness';
import { runTorch, torchUnavailable } from '../torch';

const [N, H, W, C, F] = [8, 64, 64, 32, 64];

/** One 3x3 conv2d forward on each backend, against PyTorch CPU: the raw speed every model rests on. */
export const conv2dForward: Benchmark = {
  name: 'conv2d-forward',
  description: `3x3 conv2d forward, [${N}, ${H}, ${W}, ${C}] -> ${F} filters, images/s`,
  async run() {
    const measurements: Measurement[] = [];
    for (const backend of ['wasm', 'cpu'] as const) {
      await initBackend(backend);
      const x = tf.randomNormal([N, H, W, C]) as tf.Tensor4D;
      const k = tf.randomNormal([3, 3, C, F]) as tf.Tensor4D;
      // Never return a TypedArray from tf.tidy: tidy walks every element of what it returns.
      const perSecond = await throughput(() => tf.tidy(() => void tf.conv2d(x, k, 1, 'same').dataSync()), {
        itemsPerStep: N,
      });
      tf.dispose([x, k]);
      measurements.push({ label: `tfjs ${backend}`, perSecond, unit: 'images/s' });
    }
    const notes: string[] = [];
    await initBackend('wasm');
    const threads = wasmThreading()?.threads ?? 1;
    const pytorch = `PyTorch CPU (${threads} threads)`;
    const why = torchUnavailable();
    if (why) notes.push(`PyTorch skipped: ${why}`);
    else {
      const { perSecond } = runTorch<{ perSecond: number }>(
        `
x = torch.randn(${N}, ${C}, ${H}, ${W}); conv = torch.nn.Conv2d(${C}, ${F}, 3, padding=1)
with torch.no_grad():
    conv(x)
    steps, start = 0, time.time()
    while steps < 3 or time.time() - start < 2:
        conv(x); steps += 1
print(json.dumps({"perSecond": steps * ${N} / (time.time() - start)}))`,
        { threads },
      );
      measurements.push({ label: pytorch, perSecond, unit: 'images/s' });
    }
    return {
      measurements,
      ratios: [
        { of: 'tfjs wasm', over: pytorch },
        { of: 'tfjs wasm', over: 'tfjs cpu' },
      ],
      notes,
    };
  },
};
