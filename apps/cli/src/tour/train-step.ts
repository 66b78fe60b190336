import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { CHAPTER_AUGMENTATION } from '@convkit/image-augment';
import { imageDataGenerator, writeAugmentedGrid } from '@convkit/image-augment/node';
import { resetLayerNames, rmsprop, type Sequential, setSeed, summaryLines } from '@convkit/layers';
import { saveModel } from '@convkit/layers/node';
import { buildPreset } from '../models/presets';
import type { ReportImage } from '../report/html';
import { directoryFlow } from '../training/data-sources';
import { writeHistoryPlots } from '../training/plots';
import { runTraining, trainPaths } from '../training/train-loop';
import { rel, step, type TourContext } from './context';
import type { TourData } from './data-step';

/** One trained model of the tour and its numbers. */
export interface TourRun {
  model: Sequential;
  results: Record<string, unknown>;
}

const last = (h: Record<string, number[]>, k: string) => h[k]?.at(-1) ?? null;

/**
 * Trains the chapter's small convnet on the built-in data: 'plain' (no augmentation, no
 * dropout) or 'augmented' (the chapter's ImageDataGenerator settings plus Dropout(0.5)); then
 * evaluates it on the test split and plots the two curves.
 */
export async function trainStep(
  t: TourContext,
  data: TourData,
  kind: 'plain' | 'augmented',
): Promise<TourRun> {
  const s = t.settings;
  const augmented = kind === 'augmented';
  const epochs = augmented ? s.augmentedEpochs : s.plainEpochs;
  step(
    t,
    augmented
      ? `The same convnet with data augmentation and dropout (${epochs} epochs)`
      : `A small convnet trained from scratch, no augmentation (${epochs} epochs)`,
  );
  setSeed(`${t.ctx.seed}:${kind}`);
  resetLayerNames();
  const size: [number, number] = [s.imageSize, s.imageSize];
  const model = buildPreset('cats-dogs', {
    inputShape: [s.imageSize, s.imageSize, 3],
    classes: 2,
    width: s.width,
    dropout: augmented ? s.dropout : 0,
  });
  model.compile({
    optimizer: rmsprop({ learningRate: s.learningRate }),
    loss: 'binary_crossentropy',
    metrics: ['acc'],
  });
  const summary = summaryLines(model);
  const flows = {
    targetSize: size,
    grayscale: false,
    batchSize: s.batchSize,
    seed: t.ctx.seed,
    augmentation: augmented ? CHAPTER_AUGMENTATION : undefined,
    classes: ['cat', 'dog'],
  };
  const dir = t.stage.path('models', kind);
  const paths = trainPaths(dir);
  const result = await runTraining({
    ctx: t.ctx,
    model,
    train: directoryFlow(data.train, flows, true),
    validation: directoryFlow(data.validation, flows, false),
    epochs,
    paths,
    monitor: 'val_loss',
    tensorboard: t.stage.path('tensorboard', kind),
    signal: t.signal,
    config: { tour: kind },
    label: kind,
  });
  await saveModel(model, join(dir, 'model'), { overwrite: true });
  const [testLoss, testAcc] = await model.evaluate(directoryFlow(data.test, flows, false));
  t.ctx.log(`${kind}: test accuracy ${testAcc.toFixed(3)} (loss ${testLoss.toFixed(3)})`);
  const plots = await writeHistoryPlots(t.stage.path('plots'), result.history, {
    prefix: `${kind}-`,
    title: augmented ? 'augmentation + dropout' : 'no augmentation',
  });

  const images: ReportImage[] = [
    { src: rel(t, plots.accuracy), caption: `Training and validation accuracy, ${kind}`, width: 560 },
    { src: rel(t, plots.loss), caption: `Training and validation loss, ${kind}`, width: 560 },
  ];
  let preview: string | undefined;
  if (augmented) {
    const cats = join(data.train, 'cat');
    const first = readdirSync(cats).sort()[0];
    preview = t.stage.path('pictures', 'augmented-cat.png');
    await writeAugmentedGrid(preview, join(cats, first), imageDataGenerator(CHAPTER_AUGMENTATION), {
      count: 4,
      seed: t.ctx.seed,
      load: { targetSize: size },
    });
    images.unshift({
      src: rel(t, preview),
      width: (4 * s.imageSize + 12) * 3,
      pixelated: true,
      caption: `Four random augmentations of ${first} (rotation 40, shifts 0.2, shear 0.2, zoom 0.2, flips)`,
    });
  }

  const h = result.history;
  const runResults = {
    epochs: result.epochsDone,
    parameters: model.countParams(),
    width: s.width,
    dropout: augmented ? s.dropout : 0,
    augmentation: augmented ? CHAPTER_AUGMENTATION : null,
    history: h,
    final: {
      acc: last(h, 'acc'),
      val_acc: last(h, 'val_acc'),
      loss: last(h, 'loss'),
      val_loss: last(h, 'val_loss'),
    },
    bestValAcc: Math.max(...(h.val_acc ?? [0])),
    test: { acc: testAcc, loss: testLoss },
    seconds: result.seconds,
    model: rel(t, join(dir, 'model')),
    bestModel: rel(t, paths.best),
  };
  t.results[kind] = runResults;
  const accLine = `Final training accuracy ${fmt(runResults.final.acc)}, validation accuracy ${fmt(runResults.final.val_acc)} (best ${fmt(runResults.bestValAcc)}); test accuracy ${fmt(testAcc)}. ${result.epochsDone} epochs in ${result.seconds.toFixed(0)} s.`;
  t.sections.push({
    id: kind,
    title: augmented ? 'With data augmentation and dropout' : 'Training from scratch, no augmentation',
    paragraphs: augmented
      ? [
          `The chapter's remedy for overfitting: random transforms of every training image (ImageDataGenerator with rotation_range=40, width/height_shift_range=0.2, shear_range=0.2, zoom_range=0.2, horizontal_flip) and Dropout(${s.dropout}) before the dense layer.`,
          accLine,
        ]
      : [
          `The chapter's cats-vs-dogs convnet (four Conv2D + MaxPooling2D blocks, Dense, one sigmoid unit) at ${s.width}x width on ${s.imageSize}x${s.imageSize} images, RMSprop (lr ${s.learningRate}), binary cross-entropy, batch ${s.batchSize}.`,
          accLine,
        ],
    images,
    table: augmented ? comparison(t.results.plain as RunResults | undefined, runResults) : undefined,
    pre: augmented ? undefined : summary.join('\n'),
  });
  return { model, results: runResults };
}

const fmt = (v: number | null) => (v === null ? '-' : v.toFixed(3));

type RunResults = {
  epochs: number;
  final: { acc: number | null; val_acc: number | null; val_loss: number | null };
  bestValAcc: number;
  test: { acc: number };
};

/** The two runs side by side: what augmentation and dropout changed. */
function comparison(plain: RunResults | undefined, augmented: RunResults) {
  const row = (name: string, r: RunResults) => [
    name,
    r.epochs,
    fmt(r.final.acc),
    fmt(r.final.val_acc),
    fmt(r.bestValAcc),
    fmt(r.final.val_loss),
    fmt(r.test.acc),
  ];
  return {
    head: [
      'run',
      'epochs',
      'training acc',
      'validation acc',
      'best validation acc',
      'validation loss',
      'test acc',
    ],
    rows: [...(plain ? [row('no augmentation', plain)] : []), row('augmentation + dropout', augmented)],
  };
}
