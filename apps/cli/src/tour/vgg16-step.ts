import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { dense, dropout, flatten, rmsprop, type Sequential, sequential, setSeed } from '@convkit/layers';
import { extractFeatures, kerasModelsDir, VGG16_WEIGHTS_NOTOP, vgg16 } from '@convkit/pretrained-vgg16/node';
import * as tf from '@tensorflow/tfjs-core';
import { directoryFlow } from '../training/data-sources';
import { writeHistoryPlots } from '../training/plots';
import { tensorBatches } from '../training/tensor-batches';
import { runTraining, trainPaths } from '../training/train-loop';
import { rel, step, type TourContext } from './context';
import type { TourData } from './data-step';

/** Where the tour looks for Keras's VGG16 conv-base weights (the Keras cache). */
export function vgg16NotopPath(): string {
  return join(kerasModelsDir(), VGG16_WEIGHTS_NOTOP.fileName);
}

/** The one line the tour prints when the weights are not there. */
export function vgg16Hint(path: string): string {
  return `VGG16 skipped: Keras's ImageNet weights ${VGG16_WEIGHTS_NOTOP.fileName} are not in ${kerasModelsDir()}. Get them with 'convkit vgg16 download' (58.9 MB from Keras's site) or copy the file to ${path}, then run the tour again.`;
}

/**
 * Step 5 (section 5.3), when Keras's VGG16 weights are in the Keras cache: the conv base as a
 * frozen feature extractor with a small dense classifier trained on its features, then
 * fine-tuning of block5 together with that classifier.
 */
export async function vgg16Step(t: TourContext, data: TourData): Promise<void> {
  step(t, 'A pretrained convnet: VGG16 feature extraction and fine-tuning');
  const path = vgg16NotopPath();
  if (!existsSync(path)) {
    const hint = vgg16Hint(path);
    t.ctx.log(hint);
    t.results.vgg16 = { status: 'skipped', reason: hint };
    t.sections.push({ id: 'vgg16', title: 'VGG16 (section 5.3)', paragraphs: [hint] });
    return;
  }
  const s = t.settings;
  const v = s.vgg16;
  const started = performance.now();
  const size: [number, number] = [s.imageSize, s.imageSize];
  const convBase = await vgg16({
    weights: path,
    includeTop: false,
    inputShape: [s.imageSize, s.imageSize, 3],
  });
  const flows = {
    targetSize: size,
    grayscale: false,
    batchSize: 20,
    seed: t.ctx.seed,
    classes: ['cat', 'dog'],
  };
  const extract = async (dir: string, samples: number, name: string) => {
    const bar = t.ctx.progress(`VGG16 features (${name})`, samples, 'images');
    const flow = directoryFlow(dir, flows, false);
    const out = await extractFeatures(convBase, flow, { samples, onBatch: (done) => bar.update(done) });
    bar.stop();
    return out;
  };
  const n = (split: number) => split * 2;
  const train = await extract(data.train, Math.min(n(s.train), n(v.train)), 'train');
  const validation = await extract(data.validation, Math.min(n(s.validation), n(v.validation)), 'validation');
  const test = await extract(data.test, Math.min(n(s.test), n(v.test)), 'test');
  const owned = [train, validation, test].flatMap((f) => [f.features, f.labels!]);
  try {
    setSeed(`${t.ctx.seed}:vgg16`);
    const featureShape = train.features.shape.slice(1) as number[];
    const classifier = sequential([
      flatten({ inputShape: featureShape }),
      dense({ units: 256, activation: 'relu' }),
      dropout({ rate: 0.5 }),
      dense({ units: 1, activation: 'sigmoid' }),
    ]);
    classifier.compile({
      optimizer: rmsprop({ learningRate: 2e-5 }),
      loss: 'binary_crossentropy',
      metrics: ['acc'],
    });
    const fx = train.features.shape[0];
    const head = await runTraining({
      ctx: t.ctx,
      model: classifier,
      train: tensorBatches(train.features, train.labels!, 0, fx, 20, t.ctx.seed),
      validation: tensorBatches(validation.features, validation.labels!, 0, validation.features.shape[0], 20),
      epochs: v.epochs,
      paths: trainPaths(t.stage.path('models', 'vgg16-classifier')),
      signal: t.signal,
      config: { tour: 'vgg16-features' },
      label: 'vgg16 features',
    });
    const [, featureTestAcc] = await classifier.evaluate(test.features, test.labels!);
    const featurePlots = await writeHistoryPlots(t.stage.path('plots'), head.history, {
      prefix: 'vgg16-features-',
      title: 'VGG16 features',
    });

    // Fine-tuning: the conv base with the trained classifier on top, block5 unfrozen.
    const model: Sequential = sequential([convBase, classifier]);
    convBase.trainable = true;
    let unfrozen = false;
    for (const layer of convBase.layers) {
      if (layer.name === 'block5_conv1') unfrozen = true;
      layer.trainable = unfrozen;
    }
    model.compile({
      optimizer: rmsprop({ learningRate: 1e-5 }),
      loss: 'binary_crossentropy',
      metrics: ['acc'],
    });
    const fine = await runTraining({
      ctx: t.ctx,
      model,
      train: directoryFlow(data.train, flows, true),
      validation: directoryFlow(data.validation, flows, false),
      epochs: Math.max(1, Math.round(v.epochs / 5)),
      paths: trainPaths(t.stage.path('models', 'vgg16-fine-tuned')),
      signal: t.signal,
      config: { tour: 'vgg16-fine-tune' },
      label: 'vgg16 fine-tune',
    });
    const [, fineTestAcc] = await model.evaluate(directoryFlow(data.test, flows, false));
    t.results.vgg16 = {
      status: 'done',
      weights: path,
      featureShape,
      features: { history: head.history, test: { acc: featureTestAcc }, seconds: head.seconds },
      fineTuning: {
        history: fine.history,
        test: { acc: fineTestAcc },
        seconds: fine.seconds,
        from: 'block5_conv1',
      },
      seconds: (performance.now() - started) / 1000,
    };
    t.sections.push({
      id: 'vgg16',
      title: 'VGG16 feature extraction and fine-tuning (section 5.3)',
      paragraphs: [
        `Keras's ImageNet VGG16 conv base (${path}) turned the ${s.imageSize}x${s.imageSize} images into [${featureShape.join(', ')}] features; a Dense(256)-Dropout(0.5)-Dense(1) classifier trained on them (RMSprop 2e-5) reaches test accuracy ${featureTestAcc.toFixed(3)}.`,
        `Fine-tuning block5 (block5_conv1 onwards) with the classifier on top (RMSprop 1e-5): test accuracy ${fineTestAcc.toFixed(3)}.`,
      ],
      images: [
        { src: rel(t, featurePlots.accuracy), caption: 'VGG16 features: accuracy' },
        { src: rel(t, featurePlots.loss), caption: 'VGG16 features: loss' },
      ],
    });
    model.dispose();
  } finally {
    tf.dispose(owned);
  }
}
