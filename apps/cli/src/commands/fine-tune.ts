import { join, resolve } from 'node:path';
import { dense, flatten, rmsprop, type Sequential, sequential, setSeed } from '@convkit/layers';
import { saveModel } from '@convkit/layers/node';
import { setTrainableFrom } from '@convkit/pretrained-vgg16/node';
import type { Command } from 'commander';
import { type AugmentFlags, addAugmentOptions, augmentationFrom } from '../augment-options';
import { CliContext, positiveInt } from '../context';
import { CliUsageError } from '../errors';
import { withInterrupts } from '../interrupt';
import { refuseToClobber, writeFileAtomic } from '../io/atomic';
import { presetLoss } from '../models/presets';
import { parseTargetSize } from '../target-size';
import { directoryFlow, findImageFolders } from '../training/data-sources';
import { writeHistoryPlots } from '../training/plots';
import { runTraining, trainPaths } from '../training/train-loop';
import { loadConvBase } from '../vgg16/conv-base';
import { findVgg16Weights } from '../vgg16/weights';

interface FineTuneOptions extends AugmentFlags {
  targetSize: string;
  batchSize: string;
  headEpochs: string;
  epochs: string;
  from: string;
  augment?: boolean;
  stepsPerEpoch?: string;
  validationSteps?: string;
  weights?: string;
}

/**
 * `convkit fine-tune DATA`: section 5.3.2. VGG16's conv base with a new classifier on top:
 * first the classifier alone (base frozen, RMSprop 2e-5), then from --from on (block5_conv1)
 * together with it (RMSprop 1e-5).
 */
export function registerFineTune(program: Command): void {
  const command = program
    .command('fine-tune')
    .description(
      'fine-tune VGG16 (section 5.3.2): train a classifier on the frozen conv base, then unfreeze block5 and train on',
    )
    .argument('<data>', 'a split folder: train/ and validation/ (and test/) with class subfolders')
    .option('--target-size <HxW>', 'image size (the chapter: 150)', '150')
    .option('--batch-size <n>', 'images per batch (the chapter: 20)', '20')
    .option('--head-epochs <n>', 'epochs with the conv base frozen (the chapter: 30)', '30')
    .option('--epochs <n>', 'fine-tuning epochs after unfreezing (the chapter: 100)', '100')
    .option('--from <layer>', 'first layer to unfreeze', 'block5_conv1')
    .option('--augment', 'train on augmented images (the chapter does, with its ImageDataGenerator settings)')
    .option('--steps-per-epoch <n>', 'batches per epoch (default: the whole training set)')
    .option('--validation-steps <n>', 'validation batches per epoch (default: the whole validation set)')
    .option('--weights <path>', 'VGG16 notop weights (default: the Keras cache)');
  addAugmentOptions(command)
    .addHelpText(
      'after',
      '\nWrites to --out (default vgg16-fine-tuned/): model/, history.json, accuracy.png, loss.png.',
    )
    .action(async (data: string, options: FineTuneOptions, cmd: Command) => {
      const ctx = new CliContext(cmd);
      const out = resolve(ctx.options.out ?? 'vgg16-fine-tuned');
      refuseToClobber(out, ctx.options.force);
      const size = parseTargetSize(options.targetSize);
      const batchSize = positiveInt('--batch-size', options.batchSize, 20);
      const headEpochs = positiveInt('--head-epochs', options.headEpochs, 30);
      const epochs = positiveInt('--epochs', options.epochs, 100);
      const stepsPerEpoch = options.stepsPerEpoch
        ? positiveInt('--steps-per-epoch', options.stepsPerEpoch, 1)
        : undefined;
      const validationSteps = options.validationSteps
        ? positiveInt('--validation-steps', options.validationSteps, 1)
        : undefined;
      const folders = findImageFolders(data);
      if (!folders.validation)
        throw new CliUsageError(
          `${data} needs a validation/ folder beside train/ (convkit split makes both).`,
        );
      const weights = findVgg16Weights(false, options.weights);
      await ctx.startBackend();
      const convBase = await loadConvBase(weights, size);
      convBase.getLayer(options.from);
      setSeed(ctx.seed);
      const classes = folders.classes.length;
      const model: Sequential = sequential([
        convBase,
        flatten(),
        dense({ units: 256, activation: 'relu' }),
        classes === 2
          ? dense({ units: 1, activation: 'sigmoid' })
          : dense({ units: classes, activation: 'softmax' }),
      ]);
      const flows = {
        targetSize: size,
        grayscale: false,
        batchSize,
        seed: ctx.seed,
        augmentation: options.augment ? augmentationFrom(options) : undefined,
        classes: folders.classes,
      };
      const train = directoryFlow(folders.train, flows, true);
      const validation = directoryFlow(folders.validation, flows, false);
      const phase = async (name: string, n: number, learningRate: number, dir: string) => {
        model.compile({ optimizer: rmsprop({ learningRate }), loss: presetLoss(classes), metrics: ['acc'] });
        ctx.log(
          `${name}: ${model.trainableWeights.length} trainable weight tensors, RMSprop ${learningRate}`,
        );
        return withInterrupts((signal) =>
          runTraining({
            ctx,
            model,
            train,
            validation,
            epochs: n,
            stepsPerEpoch,
            validationSteps,
            paths: trainPaths(dir),
            signal,
            config: { command: 'fine-tune', phase: name },
            label: name,
          }),
        );
      };
      try {
        convBase.trainable = false;
        const head = await phase('classifier (base frozen)', headEpochs, 2e-5, join(out, 'head'));
        const unfrozen = setTrainableFrom(convBase, options.from);
        ctx.log(`Unfrozen: ${unfrozen.join(', ')}`);
        const fine = await phase(`fine-tuning from ${options.from}`, epochs, 1e-5, join(out, 'fine'));
        const history = Object.fromEntries(
          Object.keys(fine.history).map((k) => [k, [...(head.history[k] ?? []), ...fine.history[k]]]),
        );
        const test = folders.test
          ? await model.evaluate(directoryFlow(folders.test, flows, false))
          : undefined;
        await saveModel(model, join(out, 'model'), { overwrite: true });
        await writeFileAtomic(join(out, 'classes.json'), `${JSON.stringify(folders.classes)}\n`);
        await writeFileAtomic(
          join(out, 'history.json'),
          `${JSON.stringify({ head: head.history, fine: fine.history }, null, 2)}\n`,
        );
        const plots = await writeHistoryPlots(out, history, {
          title: `head ${headEpochs} + fine-tuning ${epochs} epochs`,
        });
        ctx.result(
          {
            out,
            unfrozen,
            head: head.history,
            fine: fine.history,
            test: test ? { loss: test[0], acc: test[1] } : null,
            files: { model: join(out, 'model'), ...plots },
          },
          [
            `Classifier ${headEpochs} epochs, then fine-tuned ${epochs} epochs from ${options.from}: val_acc ${history.val_acc?.at(-1)?.toFixed(3)}${test ? `, test accuracy ${test[1].toFixed(3)}` : ''}.`,
          ],
        );
      } finally {
        model.dispose();
      }
    });
}
