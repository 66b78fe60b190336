import {
  CONV_TILES,
  type ConvTile,
  conv2dWithTile,
  convAlgorithms,
  setConvAlgorithms,
  type WebgpuConvAlgorithm,
} from '@convkit/tensor';
import * as tf from '@tensorflow/tfjs-core';
import type { Benchmark, Measurement, Ratio } from '../harness';
import { runTorch, TORCH_CUDA_PRELUDE, torchCudaUnavailable } from '../torch';
import { callsPerSecond, startWebgpu } from '../webgpu';

/** VGG16's conv layers at 150x150: input height/width, in- and out-channels (3x3, same, relu). */
const LAYERS = [
  { name: 'block1_conv1', size: 150, ci: 3, co: 64 },
  { name: 'block1_conv2', size: 150, ci: 64, co: 64 },
  { name: 'block2_conv1', size: 75, ci: 64, co: 128 },
  { name: 'block2_conv2', size: 75, ci: 128, co: 128 },
  { name: 'block3_conv1', size: 37, ci: 128, co: 256 },
  { name: 'block3_conv2', size: 37, ci: 256, co: 256 },
  { name: 'block4_conv1', size: 18, ci: 256, co: 512 },
  { name: 'block4_conv2', size: 18, ci: 512, co: 512 },
  { name: 'block5_conv1', size: 9, ci: 512, co: 512 },
] as const;
const BATCH = 20;
/** convkit's algorithms, each timed as it picks its tile and with every tile. */
const ALGORITHMS: WebgpuConvAlgorithm[] = ['gemm', 'winograd2x2', 'winograd4x4'];

/** Multiply-adds x 2 of one layer's conv over the batch, in TFLOP. */
const teraflop = (l: (typeof LAYERS)[number]) => (BATCH * l.size * l.size * l.co * 9 * l.ci * 2) / 1e12;

/** The same convs (+ relu) in PyTorch CUDA fp32 (cuDNN, benchmark mode): calls/s per layer. */
function torchLayers(): Record<string, number> {
  return runTorch<Record<string, number>>(
    `${TORCH_CUDA_PRELUDE}
out = {}
for name, size, ci, co in ${JSON.stringify(LAYERS.map((l) => [l.name, l.size, l.ci, l.co]))}:
    conv = torch.nn.Conv2d(ci, co, 3, padding=1).to(dev)
    x = torch.randn(${BATCH}, ci, size, size, device=dev)
    with torch.no_grad():
        for _ in range(5): torch.relu(conv(x))
        sync(); calls, start = 0, time.time()
        while time.time() - start < 0.4:
            for _ in range(20): torch.relu(conv(x))
            sync(); calls += 20
    out[name] = calls / (time.time() - start)
print(json.dumps(out))`,
    { threads: 1 },
  );
}

/**
 * VGG16's conv layers (150x150, batch 20, fused bias + relu) on WebGPU: tfjs-backend-webgpu's
 * kernel and each of convkit's algorithms (implicit GEMM, Winograd F(2x2) and F(4x4)), as it
 * picks its tile and with each tile, against PyTorch CUDA fp32 per layer; calls/s with TFLOP/s
 * (of the direct conv's multiply-adds, so Winograd's count as if it did them all). Says which
 * algorithm and tile suit which layer, and how far each layer is from cuDNN.
 */
export const webgpuConv2d: Benchmark = {
  name: 'webgpu-conv2d',
  description:
    'VGG16 conv layers on WebGPU, batch 20 at 150x150: tfjs vs convkit tiles vs PyTorch CUDA (calls/s)',
  onlyByName: true,
  async run() {
    const why = await startWebgpu();
    if (why) return { measurements: [], ratios: [], notes: [`skipped: ${why}`] };
    const measurements: Measurement[] = [];
    const ratios: Ratio[] = [];
    const notes: string[] = [];
    const torchWhy = torchCudaUnavailable();
    const torch = torchWhy ? {} : torchLayers();
    if (torchWhy) notes.push(`PyTorch CUDA skipped: ${torchWhy}`);
    const tiles: Record<string, ConvTile> = CONV_TILES;
    for (const l of LAYERS) {
      const x = tf.randomNormal([BATCH, l.size, l.size, l.ci], 0, 1, 'float32', 1) as tf.Tensor4D;
      const filter = tf.randomNormal([3, 3, l.ci, l.co], 0, 0.1, 'float32', 2) as tf.Tensor4D;
      const bias = tf.zeros([l.co]) as tf.Tensor1D;
      const record = (label: string, perSecond: number) => {
        const note = `${(perSecond * teraflop(l)).toFixed(1)} TFLOP/s`;
        measurements.push({ label: `${l.name} ${label}`, perSecond, unit: 'calls/s', note });
        // As it goes, so that a run cut short still leaves what it measured in the log.
        console.log(`  ... ${l.name} ${label}: ${perSecond.toFixed(1)} calls/s (${note})`);
      };
      const fused = () => tf.fused.conv2d({ x, filter, bias, strides: 1, pad: 'same', activation: 'relu' });
      const previous = convAlgorithms();
      for (const algorithm of ['tfjs', ...ALGORITHMS] as const) {
        setConvAlgorithms({ webgpuForward: algorithm });
        record(algorithm, await callsPerSecond(fused));
        if (algorithm !== 'tfjs') ratios.push({ of: `${l.name} ${algorithm}`, over: `${l.name} tfjs` });
      }
      setConvAlgorithms(previous);
      for (const algorithm of ALGORITHMS) {
        // Winograd needs 4n in-channels: the first layer would time the GEMM again.
        if (algorithm !== 'gemm' && l.ci % 4 !== 0) continue;
        for (const [name, tile] of Object.entries(tiles)) {
          const run = () =>
            conv2dWithTile({ x, filter, bias, strides: 1, pad: 'same', activation: 'relu' }, algorithm, tile);
          record(`${algorithm} tile ${name}`, await callsPerSecond(run));
        }
      }
      const torchRate = (torch as Record<string, number>)[l.name];
      if (torchRate) {
        record('PyTorch CUDA', torchRate);
        for (const algorithm of ALGORITHMS)
          ratios.push({ of: `${l.name} ${algorithm}`, over: `${l.name} PyTorch CUDA` });
      }
      tf.dispose([x, filter, bias]);
    }
    notes.push('each call is timed queued back to back, 20 per read-back; TFLOP/s counts 2 per multiply-add');
    return { measurements, ratios, notes };
  },
};
