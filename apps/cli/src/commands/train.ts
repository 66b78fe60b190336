import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { rmsprop, type Sequential, setSeed } from '@convkit/layers';
import { saveModel } from '@convkit/layers/node';
import type * as tf from '@tensorflow/tfjs-core';
import type { Command } from 'commander';
import { type AugmentFlags, addAugmentOptions, augmentationFrom } from '../augment-options';
import { CliContext, numberIn, positiveInt } from '../context';
import { CliUsageError } from '../errors';
import { withInterrupts } from '../interrupt';
import { refuseToClobber, writeFileAtomic } from '../io/atomic';
import { imageInputShape, loadAnyModel } from '../models/load';
import { buildPreset, checkPreset, type PresetName, presetLoss } from '../models/presets';
import { parseTargetSize } from '../target-size';
import { readTrainingState, type TrainingState } from '../training/checkpoint-state';
import { directoryFlow, findImageFolders, isIdxFolder, loadIdxTensors } from '../training/data-sources';
import { writeHistoryPlots } from '../training/plots';
import { tensorBatches } from '../training/tensor-batches';
import { runTraining, trainPaths } from '../training/train-loop';

interface TrainOptions extends AugmentFlags {
  preset?: string;
  model?: string;
  targetSize?: string;
  grayscale?: boolean;
  dropout?: string;
  width?: string;
  augment?: boolean;
  epochs?: string;
  batchSize?: string;
  stepsPerEpoch?: string;
  validationSteps?: string;
  validationSplit?: string;
  learningRate?: string;
  monitor?: string;
  tensorboard?: string;
  resume?: boolean;
  limit?: string;
}

/** The chapter's settings per preset: image size, batch size, epochs, learning rate. */
const PRESET_DEFAULTS: Record<PresetName, { size: number; batch: number; epochs: number; lr: number }> = {
  mnist: { size: 28, batch: 64, epochs: 5, lr: 1e-3 },
  'cats-dogs': { size: 150, batch: 20, epochs: 30, lr: 1e-4 },
};

/** `convkit train DATA`: the chapter's convnets trained from class folders or IDX files. */
export function registerTrain(program: Command): void {
  const command = program
    .command('train')
    .description(
      'train a convnet on image folders (train/ + validation/, as convkit split makes) or MNIST-style IDX files',
    )
    .argument(
      '<data>',
      'folder with train/ and validation/ (class subfolders), a folder of class subfolders, or IDX files',
    )
    .option('--preset <name>', "the chapter's networks: 'cats-dogs' (section 5.2) or 'mnist' (section 5.1)")
    .option(
      '--model <path>',
      'a model.json (topology, optionally weights) or Keras .h5 to train instead of a preset',
    )
    .option('--target-size <HxW>', 'resize images to this size (cats-dogs: 150, mnist: 28)')
    .option('--grayscale', 'read images as one channel')
    .option('--width <f>', "scale the preset's filters and units (1 = the chapter's sizes, 0.5 = half)")
    .option('--dropout <rate>', 'dropout before the dense layers (the chapter uses 0.5 with augmentation)')
    .option('--augment', "train on randomly transformed images (the chapter's ImageDataGenerator settings)")
    .option('--epochs <n>', 'epochs (cats-dogs: 30, mnist: 5)')
    .option('--batch-size <n>', 'images per batch (cats-dogs: 20, mnist: 64)')
    .option('--steps-per-epoch <n>', 'batches per epoch (default: the whole training set once)')
    .option('--validation-steps <n>', 'validation batches per epoch (default: the whole validation set)')
    .option(
      '--validation-split <f>',
      'IDX data: hold out this fraction of the training samples for validation',
    )
    .option('--learning-rate <lr>', 'RMSprop learning rate (cats-dogs: 1e-4, mnist: 1e-3)')
    .option('--monitor <metric>', 'what picks the best model to keep (default val_loss)')
    .option('--tensorboard <dir>', 'write TensorBoard event files (scalars per epoch) to this folder')
    .option('--limit <n>', 'IDX data: use only the first n training samples')
    .option('--resume', 'continue the run in --out from its last checkpoint');
  addAugmentOptions(command)
    .addHelpText(
      'after',
      '\nWrites to --out (default convkit-train/): model/ (final), best/ (best by --monitor), checkpoint/ (for --resume),\nhistory.json, accuracy.png, loss.png, classes.json. Ctrl-C saves a checkpoint and exits with 130.',
    )
    .action(async (data: string, options: TrainOptions, cmd: Command) => {
      const ctx = new CliContext(cmd);
      const out = resolve(ctx.options.out ?? 'convkit-train');
      const paths = trainPaths(out);
      let resume: TrainingState | undefined;
      if (options.resume) resume = readTrainingState(paths.checkpoint);
      else refuseToClobber(out, ctx.options.force);
      if (options.preset && options.model) throw new CliUsageError('Give --preset or --model, not both.');
      const idx = isIdxFolder(data);
      const folders = idx ? undefined : findImageFolders(data);
      const presetName = checkPreset(
        options.preset ?? (options.model ? 'cats-dogs' : idx ? 'mnist' : 'cats-dogs'),
      );
      const defaults = PRESET_DEFAULTS[presetName];
      const epochs = positiveInt('--epochs', options.epochs, defaults.epochs);
      const batchSize = positiveInt('--batch-size', options.batchSize, defaults.batch);
      const learningRate = numberIn('--learning-rate', options.learningRate, defaults.lr, 1e-8, 10);
      const dropout = numberIn('--dropout', options.dropout, 0, 0, 0.99);
      const width = numberIn('--width', options.width, 1, 0.01, 16);
      const stepsPerEpoch = options.stepsPerEpoch
        ? positiveInt('--steps-per-epoch', options.stepsPerEpoch, 1)
        : undefined;
      const validationSteps = options.validationSteps
        ? positiveInt('--validation-steps', options.validationSteps, 1)
        : undefined;
      const augmentation = options.augment ? augmentationFrom(options) : undefined;
      const config = {
        data: resolve(data),
        preset: options.model ? null : presetName,
        model: options.model ?? null,
        dropout,
        augment: Boolean(options.augment),
        batchSize,
        learningRate,
      };
      if (resume && resume.epochsDone >= epochs) {
        throw new CliUsageError(
          `--resume: the run in ${out} already did ${resume.epochsDone} epochs; ask for more with --epochs.`,
        );
      }
      await ctx.startBackend();
      setSeed(ctx.seed);

      // The model: from the checkpoint when resuming, else a preset or a model file.
      const buildModel = async (
        inputShape: [number, number, number],
        classes: number,
      ): Promise<Sequential> => {
        if (resume) return loadAnyModel(paths.checkpoint);
        if (options.model) return loadAnyModel(options.model);
        return buildPreset(presetName, { inputShape, classes, dropout, width });
      };
      // A resumed checkpoint comes back compiled with its optimizer's state: keep that state.
      const compile = (model: Sequential, classes: number) => {
        if (resume && model.optimizer) {
          model.optimizer.learningRate = learningRate;
          return;
        }
        model.compile({ optimizer: rmsprop({ learningRate }), loss: presetLoss(classes), metrics: ['acc'] });
      };

      mkdirSync(out, { recursive: true });
      const disposables: tf.Tensor[] = [];
      try {
        let model: Sequential;
        let classNames: string[];
        let train: Parameters<typeof runTraining>[0]['train'];
        let validation: Parameters<typeof runTraining>[0]['validation'];
        if (idx) {
          const limit = options.limit ? positiveInt('--limit', options.limit, 1) : undefined;
          const { train: t, test } = await loadIdxTensors(data, { trainLimit: limit });
          disposables.push(t.x, t.y, test.x, test.y);
          classNames = Array.from({ length: t.classes }, (_, i) => String(i));
          model = await buildModel([t.x.shape[1], t.x.shape[2], 1], t.classes);
          compile(model, t.classes);
          const split = numberIn('--validation-split', options.validationSplit, 0, 0, 0.9);
          train = tensorSource(t.x, t.y, batchSize, ctx.seed, split);
          validation = split > 0 ? tensorSource(t.x, t.y, batchSize, undefined, split, true) : undefined;
        } else {
          if (!folders) throw new CliUsageError(`No image folders in ${data}.`);
          const size = options.targetSize
            ? parseTargetSize(options.targetSize)
            : ([defaults.size, defaults.size] as [number, number]);
          const channels = options.grayscale ? 1 : 3;
          classNames = folders.classes;
          model = await buildModel([size[0], size[1], channels], classNames.length);
          const [h, w, c] = imageInputShape(model, 'train');
          if (h !== size[0] || w !== size[1] || c !== channels) {
            throw new CliUsageError(
              `The model takes ${w}x${h}x${c} images but --target-size/--grayscale give ${size[1]}x${size[0]}x${channels}; pass --target-size ${h}x${w}${c === 1 ? ' --grayscale' : ''}.`,
            );
          }
          compile(model, classNames.length);
          const settings = {
            targetSize: size,
            grayscale: c === 1,
            batchSize,
            seed: ctx.seed + (resume?.epochsDone ?? 0),
            augmentation,
            classes: classNames,
          };
          train = directoryFlow(folders.train, settings, true);
          validation = folders.validation ? directoryFlow(folders.validation, settings, false) : undefined;
        }
        ctx.log(
          `Training ${model.name} (${model.countParams().toLocaleString('en-US')} parameters) for ${epochs} epochs${resume ? `, resuming after epoch ${resume.epochsDone}` : ''}.`,
        );
        const result = await withInterrupts((signal) =>
          runTraining({
            ctx,
            model,
            train,
            validation,
            epochs,
            stepsPerEpoch,
            validationSteps,
            paths,
            monitor: options.monitor,
            tensorboard: options.tensorboard,
            signal,
            resume,
            config,
          }),
        );
        await saveModel(model, join(out, 'model'), { overwrite: true });
        await writeFileAtomic(join(out, 'classes.json'), `${JSON.stringify(classNames)}\n`);
        await writeFileAtomic(join(out, 'history.json'), `${JSON.stringify(result.history, null, 2)}\n`);
        const plots = await writeHistoryPlots(out, result.history);
        const last = (k: string) => result.history[k]?.at(-1);
        ctx.result(
          {
            out,
            epochs: result.epochsDone,
            history: result.history,
            final: {
              loss: last('loss'),
              acc: last('acc'),
              val_loss: last('val_loss'),
              val_acc: last('val_acc'),
            },
            best: { monitor: options.monitor ?? (validation ? 'val_loss' : 'loss'), value: result.best },
            seconds: result.seconds,
            files: { model: join(out, 'model'), best: paths.best, checkpoint: paths.checkpoint, ...plots },
          },
          [
            `Trained ${result.epochsDone} epochs in ${result.seconds.toFixed(0)}s: acc ${fmt(last('acc'))}, val_acc ${fmt(last('val_acc'))}.`,
            `Model: ${join(out, 'model')} (best: ${paths.best}); plots: ${plots.accuracy}, ${plots.loss}`,
          ],
        );
        model.dispose();
      } finally {
        for (const t of disposables) t.dispose();
      }
    });
}

const fmt = (v: number | undefined) => (v === undefined ? '-' : v.toFixed(3));

/**
 * Tensors as a finite batch source (shuffled per epoch when seeded); `split` holds out the last
 * fraction (as Keras's validation_split), which `validation` selects.
 */
function tensorSource(
  x: tf.Tensor,
  y: tf.Tensor,
  batchSize: number,
  seed: number | undefined,
  split: number,
  validation = false,
) {
  const n = x.shape[0];
  const cut = Math.floor(n * (1 - split));
  const [start, end] = validation ? [cut, n] : [0, cut];
  return tensorBatches(x, y, start, end, batchSize, seed);
}
