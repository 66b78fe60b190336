import { type BackendName, initBackend, setConvAlgorithms } from '@convkit/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { childTask, runChild } from './child-run';

/**
 * tfjs-layers measurements, each in a fresh node process: importing @tensorflow/tfjs-layers
 * registers tfjs's gradient for every kernel in the process, which would change what convkit's
 * own rows measure if it ran in the bench's process.
 */
export type TfjsLayersTask =
  | { task: 'mnist-fit'; backend: BackendName; samples: number; batch: number }
  | { task: 'vgg16-features'; backend: BackendName; batch: number; size: number; steps: number };

/** What a child reports: items per second, or why it could not measure. */
export type TfjsLayersResult = { perSecond: number } | { skipped: string };

const CHILD_FLAG = '--tfjs-layers-child';

/** Runs one tfjs-layers measurement in a child process (same backend setup as convkit's rows). */
export function tfjsLayersInChild(task: TfjsLayersTask): TfjsLayersResult {
  const r = runChild<TfjsLayersResult>(import.meta.url, CHILD_FLAG, JSON.stringify(task), 1_200_000);
  return r.ok ? r.value : { skipped: `tfjs-layers ${task.task} on ${task.backend} failed: ${r.why}` };
}

async function measure(task: TfjsLayersTask): Promise<TfjsLayersResult> {
  try {
    await initBackend(task.backend);
  } catch (e) {
    return { skipped: (e as Error).message };
  }
  // tfjs-backend-wasm's own XNNPACK conv for the forward pass, not convkit's Winograd one (the
  // stock package cannot train on wasm, so fit still uses convkit's gradient kernels).
  setConvAlgorithms({ forward: 'xnnpack' });
  const tfl = await import('@tensorflow/tfjs-layers');
  return task.task === 'mnist-fit' ? mnistFit(tfl, task) : vgg16Features(tfl, task);
}

type Tfl = typeof import('@tensorflow/tfjs-layers');

/** The chapter's MNIST convnet in tfjs-layers, fit with RMSprop: samples/s after one warm-up batch. */
async function mnistFit(tfl: Tfl, { samples, batch }: { samples: number; batch: number }) {
  const model = tfl.sequential({
    layers: [
      tfl.layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1] }),
      tfl.layers.maxPooling2d({ poolSize: 2 }),
      tfl.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }),
      tfl.layers.maxPooling2d({ poolSize: 2 }),
      tfl.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }),
      tfl.layers.flatten(),
      tfl.layers.dense({ units: 64, activation: 'relu' }),
      tfl.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
  model.compile({ optimizer: 'rmsprop', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const x = tf.randomUniform([samples, 28, 28, 1], 0, 1, 'float32', 1);
  const y = tf.oneHot(tf.randomUniform([samples], 0, 10, 'int32', 2) as tf.Tensor1D, 10);
  const [wx, wy] = [tf.slice(x, 0, batch), tf.slice(y, 0, batch)];
  await model.fit(wx, wy, { batchSize: batch, epochs: 1, verbose: 0 });
  const start = performance.now();
  await model.fit(x, y, { batchSize: batch, epochs: 1, verbose: 0 });
  return { perSecond: samples / ((performance.now() - start) / 1000) };
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
  console.log(JSON.stringify(await measure(JSON.parse(childTaskJson) as TfjsLayersTask)));
}
