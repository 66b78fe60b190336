import { join, resolve } from 'node:path';
import { rmsprop, setSeed } from '@convkit/layers';
import { saveModel } from '@convkit/layers/node';
import { type ExtractedFeatures, extractFeatures } from '@convkit/pretrained-vgg16/node';
import type { Conv2dTuning } from '@convkit/tensor';
import * as tf from '@tensorflow/tfjs-core';
import type { Command } from 'commander';
import { CliContext, numberIn, positiveInt } from '../context';
import { CliUsageError } from '../errors';
import { withInterrupts } from '../interrupt';
import { refuseToClobber, writeFileAtomic } from '../io/atomic';
import { presetLoss } from '../models/presets';
import { parseTargetSize } from '../target-size';
import { directoryFlow, findImageFolders } from '../training/data-sources';
import { writeHistoryPlots } from '../training/plots';
import { tensorBatches } from '../training/tensor-batches';
import { runTraining, trainPaths } from '../training/train-loop';
import { featureClassifier, loadConvBase } from '../vgg16/conv-base';
import { findVgg16Weights } from '../vgg16/weights';

interface FeaturesOptions {
  targetSize: string;
  batchSize: string;
  epochs: string;
  learningRate: string;
  weights?: string;
  tuneConv2d?: boolean;
}

/** One layer shape's tuning, as the command reports it: the kernel chosen, its time and tfjs's. */
interface TunedLayer {
  call: string;
  choice: string;
  msPerCall: number;
  tfjsMsPerCall: number;
}

/** A tuning result as the command logs it and reports it in --json. */
function tunedLayer(t: Conv2dTuning): TunedLayer {
  const round = (ms: number) => Number(ms.toPrecision(3));
  // tfjs's kernel is always a candidate.
  const tfjs = t.timings.find((c) => c.algorithm === 'tfjs')!;
  return {
    call: t.call,
    choice: t.choice.tile ? `${t.choice.algorithm} (${t.choice.tile} tile)` : t.choice.algorithm,
    msPerCall: round(t.timings[0].msPerCall),
    tfjsMsPerCall: round(tfjs.msPerCall),
  };
}

/** `convkit features DATA`: section 5.3.1, VGG16 features once, then a small dense classifier on them. */
export function registerFeatures(program: Command): void {
  program
    .command('features')
    .description(
      "fast feature extraction (section 5.3.1): run VGG16's conv base over the images once, train a dense classifier on the features",
    )
    .argument('<data>', 'a split folder: train/ and validation/ (and test/) with class subfolders')
    .option('--target-size <HxW>', 'image size for VGG16 (the chapter: 150)', '150')
    .option('--batch-size <n>', 'images per batch (the chapter: 20)', '20')
    .option('--epochs <n>', 'classifier epochs (the chapter: 30)', '30')
    .option('--learning-rate <lr>', 'RMSprop learning rate (the chapter: 2e-5)', '2e-5')
    .option('--weights <path>', 'VGG16 notop weights (default: the Keras cache)')
    .option(
      '--tune-conv2d',
      "on WebGPU: first time convkit's conv2d kernels for each of VGG16's layer shapes, then run the fastest (a few seconds per shape, repaid over many images)",
    )
    .addHelpText(
      'after',
      '\nWrites to --out (default vgg16-features/): classifier/, history.json, accuracy.png, loss.png (and conv2d-tuning.json with --tune-conv2d).',
    )
    .action(async (data: string, options: FeaturesOptions, cmd: Command) => {
      const ctx = new CliContext(cmd);
      const out = resolve(ctx.options.out ?? 'vgg16-features');
      refuseToClobber(out, ctx.options.force);
      const size = parseTargetSize(options.targetSize);
      const batchSize = positiveInt('--batch-size', options.batchSize, 20);
      const epochs = positiveInt('--epochs', options.epochs, 30);
      const learningRate = numberIn('--learning-rate', options.learningRate, 2e-5, 1e-9, 1);
      const folders = findImageFolders(data);
      if (!folders.validation)
        throw new CliUsageError(
          `${data} needs a validation/ folder beside train/ (convkit split makes both).`,
        );
      const weights = findVgg16Weights(false, options.weights);
      const backend = await ctx.startBackend();
      if (options.tuneConv2d && backend.name !== 'webgpu') {
        throw new CliUsageError(
          `--tune-conv2d times conv2d kernels on WebGPU, and the backend is ${backend.name}: add --backend webgpu, or leave the flag out.`,
        );
      }
      const convBase = await loadConvBase(weights, size);
      const flows = {
        targetSize: size,
        grayscale: false,
        batchSize,
        seed: ctx.seed,
        classes: folders.classes,
      };
      const owned: tf.Tensor[] = [];
      let tunings: TunedLayer[] | undefined;
      const extract = async (dir: string, name: string): Promise<ExtractedFeatures> => {
        const flow = directoryFlow(dir, flows, false);
        const samples = (flow as unknown as { samples: number }).samples;
        // Tuning (the first split only: the others reuse its choices) comes before the bar.
        const tuneConv2d = options.tuneConv2d === true && !tunings;
        if (tuneConv2d) ctx.log("Timing convkit's conv2d kernels for each VGG16 layer shape...");
        const bar = ctx.progress(`VGG16 features (${name})`, samples, 'images');
        const result = await extractFeatures(convBase, flow, {
          samples,
          tuneConv2d,
          onBatch: (done) => bar.update(done),
        });
        bar.stop();
        if (result.conv2dTunings) {
          tunings = result.conv2dTunings.map(tunedLayer);
          for (const t of tunings)
            ctx.log(`  ${t.call}: ${t.choice} ${t.msPerCall} ms (tfjs ${t.tfjsMsPerCall} ms)`);
          await writeFileAtomic(
            join(out, 'conv2d-tuning.json'),
            `${JSON.stringify(result.conv2dTunings, null, 2)}\n`,
          );
        }
        owned.push(result.features, result.labels!);
        return result;
      };
      try {
        const train = await extract(folders.train, 'train');
        const validation = await extract(folders.validation, 'validation');
        const test = folders.test ? await extract(folders.test, 'test') : undefined;
        setSeed(ctx.seed);
        const classes = folders.classes.length;
        const classifier = featureClassifier(train.features.shape.slice(1), classes);
        const labels = (f: ExtractedFeatures) => f.labels!;
        classifier.compile({
          optimizer: rmsprop({ learningRate }),
          loss: presetLoss(classes),
          metrics: ['acc'],
        });
        const result = await withInterrupts((signal) =>
          runTraining({
            ctx,
            model: classifier,
            train: tensorBatches(
              train.features,
              labels(train),
              0,
              train.features.shape[0],
              batchSize,
              ctx.seed,
            ),
            validation: tensorBatches(
              validation.features,
              labels(validation),
              0,
              validation.features.shape[0],
              batchSize,
            ),
            epochs,
            paths: trainPaths(out),
            signal,
            config: { command: 'features', data, size },
          }),
        );
        const testValues = test ? await classifier.evaluate(test.features, labels(test)) : undefined;
        await saveModel(classifier, join(out, 'classifier'), { overwrite: true });
        await writeFileAtomic(join(out, 'classes.json'), `${JSON.stringify(folders.classes)}\n`);
        await writeFileAtomic(join(out, 'history.json'), `${JSON.stringify(result.history, null, 2)}\n`);
        const plots = await writeHistoryPlots(out, result.history, { title: 'VGG16 features' });
        const last = (k: string) => result.history[k]?.at(-1) ?? null;
        ctx.result(
          {
            out,
            featureShape: train.features.shape.slice(1),
            samples: {
              train: train.features.shape[0],
              validation: validation.features.shape[0],
              test: test?.features.shape[0] ?? 0,
            },
            history: result.history,
            final: { acc: last('acc'), val_acc: last('val_acc') },
            test: testValues ? { loss: testValues[0], acc: testValues[1] } : null,
            ...(tunings && { conv2dTunings: tunings }),
            files: {
              classifier: join(out, 'classifier'),
              ...plots,
              ...(tunings && { conv2dTuning: join(out, 'conv2d-tuning.json') }),
            },
          },
          [
            `Features [${train.features.shape.slice(1).join(', ')}] for ${train.features.shape[0]} training images; classifier after ${result.epochsDone} epochs: val_acc ${last('val_acc')?.toFixed(3)}${testValues ? `, test accuracy ${testValues[1].toFixed(3)}` : ''}.`,
          ],
        );
        classifier.dispose();
      } finally {
        tf.dispose(owned);
        convBase.dispose();
      }
    });
}
