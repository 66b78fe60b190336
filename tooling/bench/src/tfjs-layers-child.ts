import { type BackendName, initBackend, setConvAlgorithms } from '@convkit/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { childTask, runChild } from './child-run';
import { mnistSetup, type Tfl } from './tfjs-layers-mnist';
import { countDispatches, type DispatchCount } from './webgpu-dispatches';

/**
 * tfjs-layers measurements, each in a fresh node process: importing @tensorflow/tfjs-layers
 * registers tfjs's gradient for every kernel in the process, which would change what convkit's
 * own rows measure if it ran in the bench's process.
 */
export type TfjsLayersTask =
  | { task: 'mnist-fit'; backend: BackendName; samples: number; batch: number }
  | { task: 'vgg16-features'; backend: BackendName; batch: number; size: number; steps: number };

/** A count of GPU work per training step of the MNIST convnet, on WebGPU. */
export type TfjsLayersCountTask = {
  task: 'mnist-dispatches';
  backend: 'webgpu';
  samples: number;
  batch: number;
};

/** What a child reports: items per second, or why it could not measure. */
export type TfjsLayersResult = { perSecond: number } | { skipped: string };

/** What a counting child reports: GPU work per step, or why it could not count. */
export type TfjsLayersCount = { perStep: DispatchCount } | { skipped: string };

const CHILD_FLAG = '--tfjs-layers-child';

/** Runs one tfjs-layers measurement in a child process (same backend setup as convkit's rows). */
export function tfjsLayersInChild(task: TfjsLayersTask): TfjsLayersResult {
  const r = runChild<TfjsLayersResult>(import.meta.url, CHILD_FLAG, JSON.stringify(task), 1_200_000);
  return r.ok ? r.value : { skipped: `tfjs-layers ${task.task} on ${task.backend} failed: ${r.why}` };
}

/** Counts tfjs-layers' GPU work per training step in a child process (see tfjsLayersInChild). */
export function tfjsLayersCountInChild(task: TfjsLayersCountTask): TfjsLayersCount {
  const r = runChild<TfjsLayersCount>(import.meta.url, CHILD_FLAG, JSON.stringify(task), 1_200_000);
  return r.ok ? r.value : { skipped: `tfjs-layers ${task.task} on ${task.backend} failed: ${r.why}` };
}

async function measure(
  task: TfjsLayersTask | TfjsLayersCountTask,
): Promise<TfjsLayersResult | TfjsLayersCount> {
  try {
    await initBackend(task.backend);
  } catch (e) {
    return { skipped: (e as Error).message };
  }
  // tfjs-backend-wasm's own XNNPACK conv for the forward pass, not convkit's Winograd one (the
  // stock package cannot train on wasm, so fit still uses convkit's gradient kernels), and
  // tfjs-backend-webgpu's own kernels, not convkit's replacements there.
  setConvAlgorithms({ forward: 'xnnpack', webgpu: 'tfjs', webgpuForward: 'tfjs' });
  const tfl = await import('@tensorflow/tfjs-layers');
  if (task.task === 'mnist-dispatches') return mnistDispatches(tfl, task);
  return task.task === 'mnist-fit' ? mnistFit(tfl, task) : vgg16Features(tfl, task);
}

/** tfjs-layers fit of the MNIST convnet: samples/s after one warm-up batch. */
async function mnistFit(tfl: Tfl, { samples, batch }: { samples: number; batch: number }) {
  const { model, x, y } = mnistSetup(tfl, samples);
  const [wx, wy] = [tf.slice(x, 0, batch), tf.slice(y, 0, batch)];
  await model.fit(wx, wy, { batchSize: batch, epochs: 1, verbose: 0 });
  const start = performance.now();
  await model.fit(x, y, { batchSize: batch, epochs: 1, verbose: 0 });
  return { perSecond: samples / ((performance.now() - start) / 1000) };
}

/** GPU dispatches and read-backs per training step of tfjs-layers' fit (after a warm-up fit). */
async function mnistDispatches(tfl: Tfl, { samples, batch }: { samples: number; batch: number }) {
  const { model, x, y } = mnistSetup(tfl, samples);
  await model.fit(x, y, { batchSize: batch, epochs: 1, verbose: 0 });
  const count = await countDispatches(() => model.fit(x, y, { batchSize: batch, epochs: 1, verbose: 0 }));
  const steps = Math.ceil(samples / batch);
  return {
    perStep: {
      dispatches: count.dispatches / steps,
      reads: count.reads / steps,
      hostMs: count.hostMs / steps,
    },
  };
}

/** VGG16's conv base (Keras's layout, random weights) in tfjs-layers: predict images/s. */
async function vgg16Features(
  tfl: Tfl,
  { batch, size, steps }: { batch: number; size: number; steps: number },
) {
  const layers: import('@tensorflow/tfjs-layers').layers.Layer[] = [];
  let first = true;
  for (const [convs, filters] of [
    [2, 64],
    [2, 128],
    [3, 256],
    [3, 512],
    [3, 512],
  ]) {
    for (let i = 0; i < convs; i++) {
      layers.push(
        tfl.layers.conv2d({
          filters,
          kernelSize: 3,
          padding: 'same',
          activation: 'relu',
          ...(first ? { inputShape: [size, size, 3] } : {}),
        }),
      );
      first = false;
    }
    layers.push(tfl.layers.maxPooling2d({ poolSize: 2, strides: 2 }));
  }
  const model = tfl.sequential({ layers });
  const x = tf.randomUniform([batch, size, size, 3], -120, 150, 'float32', 1);
  const features = async () => {
    const out = model.predict(x) as tf.Tensor;
    await out.data();
    out.dispose();
  };
  await features();
  const start = performance.now();
  for (let i = 0; i < steps; i++) await features();
  return { perSecond: (batch * steps) / ((performance.now() - start) / 1000) };
}

const childTaskJson = childTask(CHILD_FLAG);
if (childTaskJson !== undefined) {
  console.log(
    JSON.stringify(await measure(JSON.parse(childTaskJson) as TfjsLayersTask | TfjsLayersCountTask)),
  );
}
