import {
  type Conv2dTuning,
  type ConvAlgorithms,
  initBackend,
  setConvAlgorithms,
  tuneWebgpuConv2d,
  wasmThreading,
} from '@convkit/tensor';
import * as tf from '@tensorflow/tfjs-core';
// The bench has no package dependency on pretrained-vgg16; it runs the package's source through
// tsx (its @convkit/layers import needs `pnpm build` first).
import { buildVgg16 } from '../../../../packages/pretrained-vgg16/src/architecture';
import { disposeModel } from '../../../../packages/pretrained-vgg16/src/dispose';
import { extractFeatures } from '../../../../packages/pretrained-vgg16/src/extract-features';
import { alternate, type Benchmark, GPU_ONLY } from '../harness';
import { tfjsLayersInChild } from '../tfjs-layers-child';
import {
  runTorch,
  TORCH_CUDA_PRELUDE,
  TORCH_VGG16_CONV_BASE,
  torchCudaUnavailable,
  torchUnavailable,
} from '../torch';
import { startWebgpu } from '../webgpu';

const BATCH = 20;
const SIZE = 150;
const STEPS = 3;
/** Alternating rounds per contender (CONVKIT_BENCH_ROUNDS overrides). */
const ROUNDS = Number(process.env.CONVKIT_BENCH_ROUNDS ?? 3);
/** Batches timed on a GPU. */
const GPU_STEPS = 20;
/** convkit's conv2d algorithms on WebGPU besides the default ('auto', after tuning), each timed as a row of its own. */
const WEBGPU_FORWARDS: ConvAlgorithms['webgpuForward'][] = ['tfjs', 'gemm', 'winograd2x2', 'winograd4x4'];

/** convkit's extractFeatures on the active backend: images/s and peak rss (sampled between kernels). */
async function convkitFeatures(steps: number): Promise<{ perSecond: number; peakRss: string }> {
  let peakRss = process.memoryUsage().rss;
  const sample = () => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  };
  const timer = setInterval(sample, 20);
  const convBase = buildVgg16({ includeTop: false, inputShape: [SIZE, SIZE, 3] });
  const x = tf.randomUniform([BATCH, SIZE, SIZE, 3], -120, 150, 'float32', 1);
  // An endless batch source, as flowFromDirectory's; extractFeatures disposes what it yields.
  const source = {
    length: steps,
    async *[Symbol.asyncIterator]() {
      for (;;) yield [tf.clone(x), tf.zeros([BATCH])] as [tf.Tensor, tf.Tensor];
    },
  };
  const warm = await extractFeatures(convBase, source, { samples: BATCH });
  tf.dispose([warm.features, warm.labels!]);
  sample();
  const start = performance.now();
  const { features, labels } = await extractFeatures(convBase, source, {
    samples: BATCH * steps,
    onBatch: sample,
  });
  const seconds = (performance.now() - start) / 1000;
  sample();
  clearInterval(timer);
  if (features.shape.join() !== [BATCH * steps, 4, 4, 512].join())
    throw new Error(`unexpected features ${features.shape}`);
  tf.dispose([features, labels!, x]);
  disposeModel(convBase);
  return { perSecond: (BATCH * steps) / seconds, peakRss: mb(peakRss) };
}

/**
 * Tunes convkit's conv2d on WebGPU for the conv base at batch BATCH (tuneWebgpuConv2d: every
 * algorithm and tile per layer shape, the fastest kept); one note line per shape.
 */
async function tuneConvBase(): Promise<string[]> {
  const convBase = buildVgg16({ includeTop: false, inputShape: [SIZE, SIZE, 3] });
  const x = tf.randomUniform([BATCH, SIZE, SIZE, 3], -120, 150, 'float32', 1);
  const start = performance.now();
  const tunings = await tuneWebgpuConv2d(() => convBase.predict(x));
  const seconds = (performance.now() - start) / 1000;
  tf.dispose(x);
  disposeModel(convBase);
  return [`tuning took ${seconds.toFixed(1)} s`, ...tunings.map(describeTuning)];
}

/** "x 20x150x150x64, filter 3x3x64x64: winograd4x4 large 2.10 ms (tfjs 3.50 ms)". */
function describeTuning(t: Conv2dTuning): string {
  const [fastest] = t.timings;
  const tfjs = t.timings.find((c) => c.algorithm === 'tfjs');
  const name = `${fastest.algorithm}${fastest.tile ? ` ${fastest.tile}` : ''}`;
  return `tuned ${t.call}: ${name} ${fastest.msPerCall.toFixed(3)} ms (tfjs ${tfjs?.msPerCall.toFixed(3)} ms)`;
}

/** The same conv stack in PyTorch (torch.nn), no_grad, features copied to the host per batch. */
function torchFeatures(device: 'cpu' | 'cuda', steps: number, threads: number) {
  const cuda = device === 'cuda';
  return runTorch<{ perSecond: number; maxRssKb: number }>(
    `${cuda ? TORCH_CUDA_PRELUDE : "dev = torch.device('cpu')\n"}
import resource
${TORCH_VGG16_CONV_BASE}features = features.to(dev)
x = (torch.rand(${BATCH}, 3, ${SIZE}, ${SIZE}) * 270 - 120).to(dev)
with torch.no_grad():
    out = features(x).cpu().numpy().copy()
    assert out.shape == (${BATCH}, 512, 4, 4), out.shape
    start = time.time()
    for _ in range(${steps}):
        out = features(x).cpu().numpy().copy()
    per = ${BATCH} * ${steps} / (time.time() - start)
print(json.dumps({"perSecond": per, "maxRssKb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))`,
    { threads },
  );
}

/**
 * The chapter's fast feature extraction: VGG16's conv base (random weights: the speed is the
 * same) at 150x150, batches of 20, features [20, 4, 4, 512] copied out per batch. CPU: convkit
 * and tfjs-layers on wasm against PyTorch CPU with as many threads; GPU (when WebGPU starts and
 * torch has CUDA): convkit and tfjs-layers on WebGPU against PyTorch CUDA fp32; convkit as a user
 * runs it after tuneWebgpuConv2d (each layer's fastest conv2d), and with each algorithm forced
 * for every layer (setConvAlgorithms' webgpuForward: tfjs's kernel, and each of convkit's). Same run.
 */
export const vgg16Features: Benchmark = {
  name: 'vgg16-features',
  description: `VGG16 conv base, ${SIZE}x${SIZE}, batch ${BATCH}: feature extraction images/s`,
  async run() {
    const notes: string[] = [];
    const unit = 'images/s';
    const tfjsLayers = (backend: 'wasm' | 'webgpu', steps: number) => {
      const r = tfjsLayersInChild({ task: 'vgg16-features', backend, batch: BATCH, size: SIZE, steps });
      if (!('skipped' in r)) return r.perSecond;
      notes.push(`tfjs-layers ${backend} skipped: ${r.skipped}`);
      return undefined;
    };
    let convkitRss = '';
    let torchRss = '';
    const convkitOn = async (
      backend: 'wasm' | 'webgpu',
      steps: number,
      webgpuForward: ConvAlgorithms['webgpuForward'] = 'auto',
    ) => {
      await initBackend(backend);
      const previous = setConvAlgorithms({ webgpuForward });
      try {
        const r = await convkitFeatures(steps);
        convkitRss = r.peakRss;
        return r.perSecond;
      } finally {
        setConvAlgorithms(previous);
      }
    };
    const torchOn = (device: 'cpu' | 'cuda', steps: number) => {
      const r = torchFeatures(device, steps, threads);
      torchRss = mb(r.maxRssKb * 1024);
      return r.perSecond;
    };

    if (!GPU_ONLY) await initBackend('wasm');
    const threads = wasmThreading()?.threads ?? 1;
    const pytorchCpu = `PyTorch CPU (${threads} threads)`;
    const noTorch = torchUnavailable();
    if (noTorch) notes.push(`PyTorch skipped: ${noTorch}`);
    const measurements = GPU_ONLY
      ? []
      : await alternate(ROUNDS, [
          { label: 'convkit wasm', unit, measure: () => convkitOn('wasm', STEPS) },
          { label: 'tfjs-layers wasm', unit, measure: async () => tfjsLayers('wasm', STEPS) },
          { label: pytorchCpu, unit, measure: async () => (noTorch ? undefined : torchOn('cpu', STEPS)) },
        ]);
    if (!GPU_ONLY) notes.push(`peak rss (last round): convkit ${convkitRss}, PyTorch ${torchRss || '-'}`);

    const noGpu = await startWebgpu();
    const noCuda = torchCudaUnavailable();
    if (noGpu) notes.push(`WebGPU rows skipped: ${noGpu}`);
    if (noCuda) notes.push(`PyTorch CUDA skipped: ${noCuda}`);
    if (!noGpu) notes.push(...(await tuneConvBase()));
    measurements.push(
      ...(await alternate(ROUNDS, [
        {
          label: 'convkit webgpu',
          unit,
          measure: async () => (noGpu ? undefined : convkitOn('webgpu', GPU_STEPS)),
        },
        ...WEBGPU_FORWARDS.map((forward) => ({
          label: `convkit webgpu ${forward}`,
          unit,
          measure: async () => (noGpu ? undefined : convkitOn('webgpu', GPU_STEPS, forward)),
        })),
        {
          label: 'tfjs-layers webgpu',
          unit,
          measure: async () => (noGpu ? undefined : tfjsLayers('webgpu', GPU_STEPS)),
        },
        {
          label: 'PyTorch CUDA fp32',
          unit,
          measure: async () => (noCuda ? undefined : torchOn('cuda', GPU_STEPS)),
        },
      ])),
    );
    notes.push(
      `${GPU_ONLY ? '' : `wasm: ${threads} thread(s); `}${STEPS} timed batches per round after 1 warm-up batch (GPU: ${GPU_STEPS})`,
    );
    return {
      measurements,
      ratios: [
        { of: 'convkit wasm', over: pytorchCpu, goal: 0.5 },
        { of: 'convkit wasm', over: 'tfjs-layers wasm' },
        { of: 'convkit webgpu', over: 'PyTorch CUDA fp32', goal: 1.0 },
        { of: 'convkit webgpu', over: 'tfjs-layers webgpu' },
        ...WEBGPU_FORWARDS.map((forward) => ({
          of: `convkit webgpu ${forward}`,
          over: 'PyTorch CUDA fp32',
          goal: 1.0,
        })),
      ],
      notes,
    };
  },
};

function mb(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(0)} MiB`;
}
