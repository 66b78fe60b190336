import { availableParallelism } from 'node:os';
import { initBackend, wasmThreading } from '@convkit/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { childTask, runChild } from '../child-run';
import type { Benchmark, Measurement } from '../harness';
import { runTorch, torchUnavailable } from '../torch';

const BATCH = 64;
/** Batch for tfjs's cpu backend, whose Conv2DBackpropFilter walks TensorBuffer.get (minutes per batch of 64). */
const CPU_BATCH = 4;
const CHILD_FLAG = '--wasm-conv-grads-child';

/** The conv layers of the chapter's MNIST convnet at batch 64: input [h, w, ci] and filters. */
const LAYERS = [
  { name: 'conv1', h: 28, w: 28, ci: 1, co: 32, inputGrad: false },
  { name: 'conv2', h: 13, w: 13, ci: 32, co: 64, inputGrad: true },
  { name: 'conv3', h: 5, w: 5, ci: 64, co: 64, inputGrad: true },
] as const;

interface WasmResult {
  threads: number;
  build: string;
  filterGrads: number;
  inputGrads: number;
  step: Rate;
  perLayerMs: Record<string, number>;
}

/** Runs per second of `fn`, by the wall clock and per second of this process's CPU time. */
interface Rate {
  wall: number;
  cpu: number;
}

/** Times `fn` (after one warm-up call) for at least `seconds` and 3 runs. */
function rate(fn: () => void, seconds = 2): Rate {
  fn();
  let runs = 0;
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  while (runs < 3 || performance.now() - start < seconds * 1000) {
    fn();
    runs++;
  }
  const wallSeconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  return { wall: runs / wallSeconds, cpu: runs / ((cpu.user + cpu.system) / 1e6) };
}

/**
 * Conv gradient kernels on the active backend: images/s for all dW, for all dX, and ms per
 * layer (each call includes one elementwise copy of dy, under 0.2 ms).
 */
function convGradients(batch: number) {
  const perLayerMs: Record<string, number> = {};
  const kernels = LAYERS.map((l) => {
    const x = tf.randomNormal([batch, l.h, l.w, l.ci], 0, 1, 'float32', 1) as tf.Tensor4D;
    const filter = tf.randomNormal([3, 3, l.ci, l.co], 0, 0.1, 'float32', 2) as tf.Tensor4D;
    const dy = tf.randomNormal([batch, l.h - 2, l.w - 2, l.co], 0, 1, 'float32', 3) as tf.Tensor4D;
    const common = { strides: 1, pad: 'valid', dataFormat: 'NHWC' };
    // A fresh dy (and filter) per call, as in training: the wasm backend caches XNNPACK
    // operators per tensor, so reusing one tensor would skip the weight packing a step pays.
    const dW = () =>
      tf.tidy(() => {
        const freshDy = tf.add(dy, 0);
        tf.engine().runKernel(
          'Conv2DBackpropFilter',
          { x, dy: freshDy },
          { ...common, filterShape: filter.shape },
        );
      });
    const dX = () =>
      tf.tidy(() => {
        const [freshDy, freshFilter] = [tf.add(dy, 0), tf.add(filter, 0)];
        tf.engine().runKernel(
          'Conv2DBackpropInput',
          { dy: freshDy, filter: freshFilter },
          { ...common, inputShape: x.shape },
        );
      });
    perLayerMs[`${l.name} dW`] = 1000 / rate(dW, 1).wall;
    if (l.inputGrad) perLayerMs[`${l.name} dX`] = 1000 / rate(dX, 1).wall;
    return { dW, dX: l.inputGrad ? dX : undefined, tensors: [x, filter, dy] };
  });
  const allFilterGrads = () => {
    for (const k of kernels) k.dW();
  };
  const allInputGrads = () => {
    for (const k of kernels) k.dX?.();
  };
  const filterGrads = batch * rate(allFilterGrads).wall;
  const inputGrads = batch * rate(allInputGrads).wall;
  tf.dispose(kernels.flatMap((k) => k.tensors));
  return { filterGrads, inputGrads, perLayerMs };
}

/**
 * One training step of the MNIST convnet written with tfjs-core ops (fused conv2d+bias+relu,
 * maxPool, fused dense, softmax cross-entropy, RMSprop with Keras's defaults); samples/s.
 */
function trainingStep(batch: number, seconds: number): Rate {
  const v = (shape: number[], seed: number) => tf.variable(tf.randomNormal(shape, 0, 0.05, 'float32', seed));
  const w = {
    k1: v([3, 3, 1, 32], 1),
    b1: v([32], 2),
    k2: v([3, 3, 32, 64], 3),
    b2: v([64], 4),
    k3: v([3, 3, 64, 64], 5),
    b3: v([64], 6),
    d1: v([576, 64], 7),
    c1: v([64], 8),
    d2: v([64, 10], 9),
    c2: v([10], 10),
  };
  const x = tf.randomUniform([batch, 28, 28, 1], 0, 1, 'float32', 11) as tf.Tensor4D;
  const labels = tf.randomUniform([batch], 0, 10, 'int32', 12) as tf.Tensor1D;
  const y = tf.oneHot(labels, 10);
  const conv = (h: tf.Tensor4D, k: tf.Variable, b: tf.Variable) =>
    tf.fused.conv2d({
      x: h,
      filter: k as tf.Tensor4D,
      strides: 1,
      pad: 'valid',
      bias: b,
      activation: 'relu',
    });
  const loss = () => {
    let h = tf.maxPool(conv(x, w.k1, w.b1), 2, 2, 'valid');
    h = tf.maxPool(conv(h, w.k2, w.b2), 2, 2, 'valid');
    h = conv(h, w.k3, w.b3);
    const flat = tf.reshape(h, [batch, 576]) as tf.Tensor2D;
    const hidden = tf.fused.matMul({ a: flat, b: w.d1 as tf.Tensor2D, bias: w.c1, activation: 'relu' });
    const logits = tf.fused.matMul({ a: hidden, b: w.d2 as tf.Tensor2D, bias: w.c2 });
    return tf.losses.softmaxCrossEntropy(y, logits) as tf.Scalar;
  };
  const optimizer = tf.train.rmsprop(1e-3, 0.9, 0, 1e-7);
  const steps = rate(() => optimizer.minimize(loss), seconds);
  optimizer.dispose();
  tf.dispose([x, labels, y, ...Object.values(w)]);
  return { wall: batch * steps.wall, cpu: batch * steps.cpu };
}

/**
 * Everything measured on wasm, in this process (run as a child, so each thread count starts
 * fresh and tfjs-layers' gradients, which the step uses, stay out of the bench's process).
 */
async function measureWasm(threads: number): Promise<WasmResult> {
  // tfjs-core's node build registers no gradients; tfjs-layers' node build registers them all.
  await import('@tensorflow/tfjs-layers');
  await initBackend('wasm', { threads });
  const threading = wasmThreading();
  const grads = convGradients(BATCH);
  const step = trainingStep(BATCH, 3);
  return { threads: threading?.threads ?? threads, build: threading?.build ?? '?', step, ...grads };
}

/** The training step on tfjs's cpu backend (a child process, as measureWasm). */
async function measureCpu(): Promise<Rate> {
  await import('@tensorflow/tfjs-layers');
  await initBackend('cpu');
  return trainingStep(CPU_BATCH, 0);
}

/** Runs this file in a fresh node process for one thread count (or 'cpu') and returns what it measured. */
function inChild<T>(what: number | 'cpu'): T {
  const r = runChild<T>(import.meta.url, CHILD_FLAG, String(what), 600_000);
  if (!r.ok) throw new Error(`wasm-conv-grads child (${what}) failed: ${r.why}`);
  return r.value;
}

const TORCH_CODE = `
import torch.nn.functional as F
from torch.nn.grad import conv2d_weight, conv2d_input
torch.manual_seed(0)
B = ${BATCH}
def rate(fn, seconds=2.0):
    fn(); runs, start, cpu = 0, time.time(), time.process_time()
    while runs < 3 or time.time() - start < seconds:
        fn(); runs += 1
    return runs / (time.time() - start), runs / (time.process_time() - cpu)
layers = [(28, 28, 1, 32, False), (13, 13, 32, 64, True), (5, 5, 64, 64, True)]
ts = [(torch.randn(B, ci, h, w), torch.randn(co, ci, 3, 3) * 0.1, torch.randn(B, co, h - 2, w - 2), dx) for h, w, ci, co, dx in layers]
def dW():
    for x, k, dy, _ in ts: conv2d_weight(x, k.shape, dy)
def dX():
    for x, k, dy, dx in ts:
        if dx: conv2d_input(x.shape, k, dy)
net = torch.nn.Sequential(
    torch.nn.Conv2d(1, 32, 3), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
    torch.nn.Conv2d(32, 64, 3), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
    torch.nn.Conv2d(64, 64, 3), torch.nn.ReLU(), torch.nn.Flatten(),
    torch.nn.Linear(576, 64), torch.nn.ReLU(), torch.nn.Linear(64, 10))
opt = torch.optim.RMSprop(net.parameters(), lr=1e-3, alpha=0.9, eps=1e-7)
x = torch.rand(B, 1, 28, 28); y = torch.randint(0, 10, (B,))
def step():
    opt.zero_grad(); F.cross_entropy(net(x), y).backward(); opt.step()
wall, cpu = rate(step, 3.0)
print(json.dumps({"filterGrads": B * rate(dW)[0], "inputGrads": B * rate(dX)[0], "step": B * wall, "stepCpu": B * cpu}))
`;

/**
 * convkit's wasm gradient kernels (registered by initBackend('wasm')) on the conv layers of the
 * chapter's MNIST convnet, and one forward+backward+RMSprop step of that net, against tfjs's cpu
 * backend and PyTorch CPU (2 threads).
 */
export const wasmConvGrads: Benchmark = {
  name: 'wasm-conv-grads',
  description: `conv2d gradients of the MNIST convnet (batch ${BATCH}) and its training step: convkit wasm kernels vs cpu vs PyTorch CPU`,
  async run() {
    const measurements: Measurement[] = [];
    const notes: string[] = [];
    const threadCounts = [...new Set([1, Math.min(availableParallelism(), 8)])];
    const wasm = threadCounts.map((t) => inChild<WasmResult>(t));
    for (const r of wasm) {
      const label = `wasm ${r.threads}t`;
      const note = `${r.build} build`;
      measurements.push(
        { label: `${label} dW (3 layers)`, perSecond: r.filterGrads, unit: 'images/s', note },
        { label: `${label} dX (2 layers)`, perSecond: r.inputGrads, unit: 'images/s', note },
        { label: `${label} train step`, perSecond: r.step.wall, unit: 'samples/s', note },
        { label: `${label} train step per CPU-s`, perSecond: r.step.cpu, unit: 'samples/CPU-s', note },
      );
      const layers = Object.entries(r.perLayerMs).map(([k, ms]) => `${k} ${ms.toFixed(1)} ms`);
      notes.push(`wasm ${r.threads} thread(s), per batch of ${BATCH}: ${layers.join(', ')}`);
    }
    measurements.push({
      label: 'cpu train step',
      perSecond: inChild<Rate>('cpu').wall,
      unit: 'samples/s',
      note: `batch ${CPU_BATCH}, one step`,
    });
    const why = torchUnavailable();
    if (why) notes.push(`PyTorch skipped: ${why}`);
    else {
      type TorchResult = { filterGrads: number; inputGrads: number; step: number; stepCpu: number };
      const t = runTorch<TorchResult>(TORCH_CODE, { threads: 2 });
      const t1 = runTorch<TorchResult>(TORCH_CODE, { threads: 1 });
      measurements.push(
        { label: 'PyTorch 2t dW (3 layers)', perSecond: t.filterGrads, unit: 'images/s' },
        { label: 'PyTorch 2t dX (2 layers)', perSecond: t.inputGrads, unit: 'images/s' },
        { label: 'PyTorch 2t train step', perSecond: t.step, unit: 'samples/s' },
        { label: 'PyTorch 1t train step', perSecond: t1.step, unit: 'samples/s' },
        { label: 'PyTorch 1t train step per CPU-s', perSecond: t1.stepCpu, unit: 'samples/CPU-s' },
      );
      notes.push(
        'per CPU-s: samples per second of process CPU time, which a shared, busy machine disturbs far less than wall time',
      );
    }
    const best = wasm[wasm.length - 1];
    const one = `wasm ${wasm[0].threads}t`;
    const many = `wasm ${best.threads}t`;
    return {
      measurements,
      ratios: [
        { of: `${many} dW (3 layers)`, over: 'PyTorch 2t dW (3 layers)' },
        { of: `${many} dX (2 layers)`, over: 'PyTorch 2t dX (2 layers)' },
        { of: `${many} train step`, over: 'PyTorch 2t train step' },
        { of: `${one} train step`, over: 'PyTorch 1t train step' },
        { of: `${one} train step per CPU-s`, over: 'PyTorch 1t train step per CPU-s' },
        { of: `${many} train step`, over: 'cpu train step' },
        ...(wasm.length > 1 ? [{ of: `${many} train step`, over: `${one} train step` }] : []),
      ],
      notes,
    };
  },
};

const childWhat = childTask(CHILD_FLAG);
if (childWhat !== undefined) {
  console.log(
    JSON.stringify(childWhat === 'cpu' ? await measureCpu() : await measureWasm(Number(childWhat))),
  );
}
