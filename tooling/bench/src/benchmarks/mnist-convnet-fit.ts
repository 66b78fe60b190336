import { type BackendName, initBackend, wasmThreading } from '@convkit/tensor';
import * as tf from '@tensorflow/tfjs-core';
// The bench has no package dependency on @convkit/layers; it runs the package's source through tsx.
import { chapterConvnet, setSeed } from '../../../../packages/layers/src/index';
import { loadFashionMnist } from '../../../../packages/layers/src/io/idx-node';
import { alternate, type Benchmark, GPU_ONLY, type Measurement } from '../harness';
import { mnistSetup, randomData } from '../mnist-convnet';
import { tfjsLayersInChild } from '../tfjs-layers-child';
import { runTorch, TORCH_CUDA_PRELUDE, torchCudaUnavailable, torchUnavailable } from '../torch';
import { startWebgpu } from '../webgpu';

const BATCH = 64;
/** Alternating rounds per contender (CONVKIT_BENCH_ROUNDS overrides). */
const ROUNDS = Number(process.env.CONVKIT_BENCH_ROUNDS ?? 3);
/** A batch that fills a GPU better (the second GPU figure). */
const GPU_BIG_BATCH = 512;
/** Training samples timed per measurement on fast backends (wasm, PyTorch). */
const SAMPLES = Number(process.env.CONVKIT_BENCH_MNIST_SAMPLES ?? 1280);
/** Samples timed on a GPU: enough steps at the big batch too. */
const GPU_SAMPLES = Number(process.env.CONVKIT_BENCH_MNIST_GPU_SAMPLES ?? 10240);
/** Samples timed for convkit on tfjs's cpu backend (its conv kernels are plain JS loops). */
const CPU_SAMPLES = Number(process.env.CONVKIT_BENCH_MNIST_CPU_SAMPLES ?? 256);
/**
 * Samples timed for tfjs-layers on cpu: one batch, since tfjs-backend-cpu's Conv2DBackpropFilter
 * takes minutes per batch of 64 (convkit computes that gradient with its own loop on cpu).
 */
const TFJS_LAYERS_CPU_SAMPLES = Number(process.env.CONVKIT_BENCH_MNIST_TFJS_CPU_SAMPLES ?? 64);

/** convkit fit throughput (samples/s) on the active backend: one warm-up batch, then `samples` timed. */
async function convkitFit(samples: number, batch: number, warmup: boolean): Promise<number> {
  const { model, x, y } = mnistSetup(samples);
  if (warmup) {
    const [wx, wy] = [tf.slice(x, 0, batch), tf.slice(y, 0, batch)];
    await model.fit(wx, wy, { batchSize: batch, epochs: 1 });
    tf.dispose([wx, wy]);
  }
  const start = performance.now();
  await model.fit(x, y, { batchSize: batch, epochs: 1 });
  const perSecond = samples / ((performance.now() - start) / 1000);
  tf.dispose([x, y]);
  model.dispose();
  return perSecond;
}

/**
 * Per-epoch losses of a short fit from seed 1 (2 epochs of 128 samples) on the active backend.
 * Weights, data and shuffling come from seeded JS generators, so every correct backend gives the
 * same losses up to float rounding: on a GPU this checks that the timed path also computes.
 */
async function shortFitLosses(): Promise<number[]> {
  setSeed(1);
  const model = chapterConvnet('mnist');
  model.compile({ optimizer: 'rmsprop', loss: 'categorical_crossentropy' });
  const { x, y } = randomData(128);
  const history = await model.fit(x, y, { batchSize: BATCH, epochs: 2, seed: 1 });
  tf.dispose([x, y]);
  model.dispose();
  return history.history.loss;
}

/** A note comparing convkit's losses on `backend` with the cpu backend's (the reference). */
export async function agreementWithCpu(backend: BackendName): Promise<string> {
  await initBackend('cpu');
  const reference = await shortFitLosses();
  await initBackend(backend);
  const losses = await shortFitLosses();
  const worst = Math.max(...losses.map((l, i) => Math.abs(l - reference[i]) / Math.abs(reference[i])));
  const verdict = Number.isFinite(worst) && worst <= 1e-3 ? 'agree' : 'DISAGREE';
  const show = (ls: number[]) => ls.map((l) => l.toFixed(5)).join(', ');
  return `convkit ${backend} and cpu ${verdict}: losses of a 2-epoch fit ${show(losses)} vs ${show(reference)} (largest relative difference ${worst.toExponential(1)})`;
}

const TORCH_NET = `
net = torch.nn.Sequential(
    torch.nn.Conv2d(1, 32, 3), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
    torch.nn.Conv2d(32, 64, 3), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
    torch.nn.Conv2d(64, 64, 3), torch.nn.ReLU(), torch.nn.Flatten(),
    torch.nn.Linear(576, 64), torch.nn.ReLU(), torch.nn.Linear(64, 10))
`;

/** PyTorch training samples/s for the same net, RMSprop as Keras's, on 'cpu' or 'cuda'. */
function torchFit(device: 'cpu' | 'cuda', samples: number, batch: number, threads: number): number {
  const cuda = device === 'cuda';
  return runTorch<{ perSecond: number }>(
    `${cuda ? TORCH_CUDA_PRELUDE : "dev = torch.device('cpu')\ndef sync(): pass\n"}${TORCH_NET}
net = net.to(dev)
opt = torch.optim.RMSprop(net.parameters(), lr=1e-3, alpha=0.9, eps=1e-7)
loss_fn = torch.nn.CrossEntropyLoss()
x = torch.rand(${samples}, 1, 28, 28, device=dev); y = torch.randint(0, 10, (${samples},), device=dev)
def epoch(n):
    for i in range(0, n, ${batch}):
        opt.zero_grad(); loss = loss_fn(net(x[i:i + ${batch}]), y[i:i + ${batch}]); loss.backward(); opt.step()
epoch(${batch} * 2); sync()
samples, start = 0, time.time()
while samples < ${samples} or time.time() - start < 2:
    epoch(${samples}); samples += ${samples}
sync()
print(json.dumps({"perSecond": samples / (time.time() - start)}))`,
    { threads },
  ).perSecond;
}

/**
 * The chapter's MNIST convnet trained with RMSprop at batch 64 (samples/s): on the CPU, convkit
 * on wasm against PyTorch CPU with as many threads, and convkit and tfjs-layers on wasm and cpu;
 * on a GPU (when WebGPU starts and torch has CUDA), convkit and tfjs-layers on WebGPU against
 * PyTorch CUDA fp32, at batch 64 and 512.
 */
export const mnistConvnetFit: Benchmark = {
  name: 'mnist-convnet-fit',
  description: `chapter 5.1 MNIST convnet (93,322 params), fit with RMSprop, batch ${BATCH} (and ${GPU_BIG_BATCH} on a GPU), samples/s`,
  async run() {
    const measurements: Measurement[] = [];
    const notes: string[] = [];
    const unit = 'samples/s';
    const skip = (label: string, why: string) => {
      notes.push(`${label} skipped: ${why}`);
      return undefined;
    };
    const tfjsLayers = (label: string, backend: BackendName, samples: number, batch: number) => {
      const r = tfjsLayersInChild({ task: 'mnist-fit', backend, samples, batch });
      return 'skipped' in r ? skip(label, r.skipped) : r.perSecond;
    };
    const noTorch = torchUnavailable();
    if (noTorch) notes.push(`PyTorch skipped: ${noTorch}`);

    // PyTorch gets as many CPU threads as convkit's wasm backend (with --gpu-only: 1, for its host side).
    if (!GPU_ONLY) await initBackend('wasm');
    const threads = wasmThreading()?.threads ?? 1;
    const pytorchCpu = `PyTorch CPU (${threads} threads)`;
    if (!GPU_ONLY) {
      const onWasm = async (batch: number) => {
        await initBackend('wasm');
        return convkitFit(SAMPLES, batch, true);
      };
      measurements.push(
        ...(await alternate(ROUNDS, [
          { label: 'convkit wasm', unit, note: `${threads} thread(s)`, measure: () => onWasm(BATCH) },
          {
            label: 'tfjs-layers wasm',
            unit,
            note: "with convkit's wasm gradient kernels: stock tfjs-backend-wasm 4.22 has no Conv2DBackpropFilter and cannot train it",
            measure: async () => tfjsLayers('tfjs-layers wasm', 'wasm', SAMPLES, BATCH),
          },
          {
            label: pytorchCpu,
            unit,
            measure: async () => (noTorch ? undefined : torchFit('cpu', SAMPLES, BATCH, threads)),
          },
        ])),
      );

      await initBackend('cpu');
      measurements.push({
        label: 'convkit cpu',
        perSecond: await convkitFit(CPU_SAMPLES, BATCH, false),
        unit,
        note: `${CPU_SAMPLES} samples`,
      });
      const tfjsCpu = tfjsLayers('tfjs-layers cpu', 'cpu', TFJS_LAYERS_CPU_SAMPLES, BATCH);
      if (tfjsCpu !== undefined) {
        measurements.push({
          label: 'tfjs-layers cpu',
          perSecond: tfjsCpu,
          unit,
          note: `${TFJS_LAYERS_CPU_SAMPLES} samples`,
        });
      }
    }

    const noGpu = await startWebgpu();
    const noCuda = torchCudaUnavailable();
    if (noGpu) notes.push(`WebGPU rows skipped: ${noGpu}`);
    else notes.push(await agreementWithCpu('webgpu'));
    if (noCuda) notes.push(`PyTorch CUDA skipped: ${noCuda}`);
    for (const batch of [BATCH, GPU_BIG_BATCH]) {
      const suffix = batch === BATCH ? '' : ` b${batch}`;
      const onWebgpu = async () => {
        await initBackend('webgpu');
        return convkitFit(GPU_SAMPLES, batch, true);
      };
      measurements.push(
        ...(await alternate(ROUNDS, [
          { label: `convkit webgpu${suffix}`, unit, measure: async () => (noGpu ? undefined : onWebgpu()) },
          {
            label: `tfjs-layers webgpu${suffix}`,
            unit,
            measure: async () =>
              noGpu ? undefined : tfjsLayers(`tfjs-layers webgpu${suffix}`, 'webgpu', GPU_SAMPLES, batch),
          },
          {
            label: `PyTorch CUDA${suffix}`,
            unit,
            measure: async () => (noCuda ? undefined : torchFit('cuda', GPU_SAMPLES, batch, threads)),
          },
        ])),
      );
    }
    if (!GPU_ONLY) {
      notes.push(
        "cpu rows time a few batches: tfjs-backend-cpu's conv kernels are per-element JS loops (its filter gradient takes minutes per batch; convkit's gradient computes it with its own loop on cpu).",
      );
    }
    const big = ` b${GPU_BIG_BATCH}`;
    return {
      measurements,
      ratios: [
        { of: 'convkit wasm', over: pytorchCpu, goal: 0.5 },
        { of: 'convkit wasm', over: 'tfjs-layers wasm' },
        { of: 'convkit cpu', over: 'tfjs-layers cpu' },
        { of: 'convkit webgpu', over: 'PyTorch CUDA', goal: 0.1 },
        { of: 'convkit webgpu', over: 'tfjs-layers webgpu' },
        { of: `convkit webgpu${big}`, over: `PyTorch CUDA${big}` },
        { of: `convkit webgpu${big}`, over: `tfjs-layers webgpu${big}` },
      ],
      notes,
    };
  },
};

const EPOCHS = Number(process.env.CONVKIT_BENCH_FASHION_EPOCHS ?? 5);

/**
 * The same convnet trained on Fashion-MNIST (60,000 training images, 10,000 test images from
 * Debian's dataset-fashion-mnist), RMSprop, batch 64, 5 epochs, on wasm: test accuracy (goal
 * >= 0.89) and wall time. Slow (minutes): run it by name, `pnpm bench fashion-mnist-accuracy`.
 */
export const fashionMnistAccuracy: Benchmark = {
  onlyByName: true,
  name: 'fashion-mnist-accuracy',
  description: `MNIST convnet, ${EPOCHS} epochs on Fashion-MNIST on wasm: test accuracy and wall time`,
  async run() {
    await initBackend('wasm');
    let data: Awaited<ReturnType<typeof loadFashionMnist>>;
    try {
      data = await loadFashionMnist();
    } catch (e) {
      return { measurements: [], ratios: [], notes: [`skipped: ${(e as Error).message}`] };
    }
    const toX = (images: { data: ArrayLike<number>; shape: number[] }) =>
      tf.tidy(() => tf.div(tf.tensor4d(Float32Array.from(images.data), [images.shape[0], 28, 28, 1]), 255));
    const toY = (labels: { data: ArrayLike<number> }) =>
      tf.tidy(() => tf.oneHot(tf.tensor1d(Int32Array.from(labels.data), 'int32'), 10));
    const [x, y, tx, ty] = [
      toX(data.train.images),
      toY(data.train.labels),
      toX(data.test.images),
      toY(data.test.labels),
    ];
    setSeed(1);
    const model = chapterConvnet('mnist');
    model.compile({ optimizer: 'rmsprop', loss: 'categorical_crossentropy', metrics: ['accuracy'] });
    const start = performance.now();
    const history = await model.fit(x, y, { epochs: EPOCHS, batchSize: BATCH, seed: 1 });
    const trainSeconds = (performance.now() - start) / 1000;
    const [testLoss, testAcc] = await model.evaluate(tx, ty, { batchSize: 256 });
    const wall = (performance.now() - start) / 1000;
    tf.dispose([x, y, tx, ty]);
    model.dispose();
    return {
      measurements: [
        {
          label: 'convkit wasm fit',
          perSecond: (x.shape[0] * EPOCHS) / trainSeconds,
          unit: 'samples/s',
          note: `test accuracy ${testAcc.toFixed(4)} (goal >= 0.89: ${testAcc >= 0.89 ? 'met' : 'NOT met'}), wall ${wall.toFixed(0)} s`,
        },
      ],
      ratios: [],
      notes: [
        `per-epoch train accuracy: ${history.history.accuracy.map((a) => a.toFixed(4)).join(', ')}`,
        `test loss ${testLoss.toFixed(4)}, test accuracy ${testAcc.toFixed(4)}, ${EPOCHS} epochs in ${trainSeconds.toFixed(0)} s (+ evaluation: ${wall.toFixed(0)} s wall)`,
      ],
    };
  },
};
