import { writePng } from '@convkit/image-io/node';
import { FASHION_MNIST_CLASSES, resetLayerNames, rmsprop, setSeed, summaryLines } from '@convkit/layers';
import * as tf from '@tensorflow/tfjs-core';
import { buildPreset } from '../models/presets';
import { tileImages } from '../report/tile';
import { isIdxFolder, loadIdxTensors } from '../training/data-sources';
import { tensorBatches } from '../training/tensor-batches';
import { runTraining, trainPaths } from '../training/train-loop';
import { rel, step, type TourContext } from './context';

/** Step 6: the chapter's first convnet (section 5.1) on Fashion-MNIST, when its IDX files are here. */
export async function fashionStep(t: TourContext): Promise<void> {
  const s = t.settings.fashion;
  const dir = t.fashionMnistDir;
  step(t, "Fashion-MNIST: the chapter's first convnet");
  if (!isIdxFolder(dir)) {
    const hint = t.fashionMnistGiven
      ? `${dir} does not hold the Fashion-MNIST IDX files (train-images-idx3-ubyte[.gz], ...).`
      : `Fashion-MNIST not found in ${dir}: install Debian's dataset-fashion-mnist (apt-get install dataset-fashion-mnist) or pass --fashion-mnist DIR with the four IDX files.`;
    t.ctx.log(`Skipped: ${hint}`);
    t.results.fashionMnist = { status: 'skipped', reason: hint };
    t.sections.push({ id: 'fashion-mnist', title: 'Fashion-MNIST', paragraphs: [`Skipped. ${hint}`] });
    return;
  }
  const started = performance.now();
  const { train, test } = await loadIdxTensors(dir, { trainLimit: s.train, testLimit: s.test });
  try {
    setSeed(`${t.ctx.seed}:fashion`);
    resetLayerNames();
    const model = buildPreset('mnist', { inputShape: [28, 28, 1], classes: train.classes });
    model.compile({ optimizer: rmsprop(), loss: 'categorical_crossentropy', metrics: ['accuracy'] });
    const result = await runTraining({
      ctx: t.ctx,
      model,
      train: tensorBatches(train.x, train.y, 0, train.x.shape[0], 64, t.ctx.seed),
      epochs: s.epochs,
      paths: trainPaths(t.stage.path('models', 'fashion-mnist')),
      signal: t.signal,
      config: { tour: 'fashion-mnist' },
      label: 'fashion-mnist',
    });
    const [testLoss, testAcc] = await model.evaluate(test.x, test.y, { batchSize: 256 });
    const perClass = await perClassAccuracy(model.predict(test.x, { batchSize: 256 }) as tf.Tensor, test.y);
    t.ctx.log(`fashion-mnist: test accuracy ${testAcc.toFixed(4)} on ${test.x.shape[0]} images`);
    const samples = t.stage.path('pictures', 'fashion-mnist-samples.png');
    const head = tf.slice(test.x, 0, 20);
    const first = (await head.data()) as Float32Array;
    head.dispose();
    await writePng(
      samples,
      tileImages(
        Array.from({ length: 20 }, (_, i) => ({
          width: 28,
          height: 28,
          channels: 1 as const,
          data: Uint8Array.from(first.subarray(i * 784, (i + 1) * 784), (v) => Math.round(v * 255)),
        })),
        { columns: 10, margin: 2 },
      ),
    );
    t.results.fashionMnist = {
      status: 'done',
      dir,
      trainSamples: train.x.shape[0],
      testSamples: test.x.shape[0],
      epochs: result.epochsDone,
      parameters: model.countParams(),
      history: result.history,
      test: { acc: testAcc, loss: testLoss },
      perClassAccuracy: Object.fromEntries(FASHION_MNIST_CLASSES.map((c, i) => [c, perClass[i]])),
      seconds: (performance.now() - started) / 1000,
    };
    t.sections.push({
      id: 'fashion-mnist',
      title: 'Fashion-MNIST: the first convnet (section 5.1)',
      paragraphs: [
        `The chapter's MNIST convnet (${model.countParams().toLocaleString('en-US')} parameters) trained on the first ${train.x.shape[0]} Fashion-MNIST training images for ${result.epochsDone} epoch(s) (RMSprop, batch 64) from ${dir}.`,
        `Test accuracy ${testAcc.toFixed(4)} on ${test.x.shape[0]} test images (loss ${testLoss.toFixed(4)}).`,
      ],
      table: {
        head: ['class', 'test accuracy'],
        rows: FASHION_MNIST_CLASSES.map((c, i) => [c, perClass[i].toFixed(3)]),
      },
      images: [{ src: rel(t, samples), caption: 'The first 20 test images', width: 602, pixelated: true }],
      pre: summaryLines(model).join('\n'),
    });
    model.dispose();
  } finally {
    tf.dispose([train.x, train.y, test.x, test.y]);
  }
}

async function perClassAccuracy(pred: tf.Tensor, y: tf.Tensor): Promise<number[]> {
  const [p, l] = tf.tidy(() => [tf.argMax(pred, 1), tf.argMax(y, 1)]);
  const [pv, lv] = await Promise.all([p.data(), l.data()]);
  tf.dispose([p, l, pred]);
  const classes = y.shape[1] as number;
  const hits = new Array(classes).fill(0);
  const totals = new Array(classes).fill(0);
  for (let i = 0; i < lv.length; i++) {
    totals[lv[i]]++;
    if (pv[i] === lv[i]) hits[lv[i]]++;
  }
  return hits.map((h, c) => (totals[c] ? h / totals[c] : 0));
}
