import { existsSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import type { Command } from 'commander';
import { CliContext, positiveInt } from '../context';
import { CliUsageError } from '../errors';
import { classNamesFor } from '../models/classes';
import { imageInputShape, loadAnyModel } from '../models/load';
import { presetLoss } from '../models/presets';
import { directoryFlow, findImageFolders, isIdxFolder, loadIdxTensors } from '../training/data-sources';

/** `convkit evaluate MODEL DATA`: loss and accuracy of a saved model on a test set. */
export function registerEvaluate(program: Command): void {
  program
    .command('evaluate')
    .description(
      'loss and accuracy of a saved model on images (class subfolders; test/ of a split) or IDX test files',
    )
    .argument('<model>', 'a saved model: folder with model.json, or a Keras .h5 file')
    .argument(
      '<data>',
      'a folder with class subfolders, a split folder (its test/ is used), or MNIST-style IDX files',
    )
    .option('--batch-size <n>', 'images per batch', '32')
    .action(async (modelPath: string, data: string, options: { batchSize: string }, cmd: Command) => {
      const ctx = new CliContext(cmd);
      const batchSize = positiveInt('--batch-size', options.batchSize, 32);
      if (!existsSync(data)) throw new CliUsageError(`Data folder ${data} does not exist.`);
      await ctx.startBackend();
      const model = await loadAnyModel(modelPath);
      const units = model.outputShape.at(-1) as number;
      const classes = units === 1 ? 2 : units;
      model.compile({ optimizer: 'rmsprop', loss: presetLoss(classes), metrics: ['acc'] });
      const [h, w, c] = imageInputShape(model, 'evaluate');
      let values: number[];
      let samples: number;
      let source: string;
      if (isIdxFolder(data)) {
        const { train, test } = await loadIdxTensors(data, { trainLimit: 1 });
        tf.dispose([train.x, train.y]);
        try {
          if (h !== 28 || w !== 28 || c !== 1) {
            throw new CliUsageError(`The model takes ${w}x${h}x${c} images; the IDX images are 28x28x1.`);
          }
          values = await model.evaluate(test.x, test.y, { batchSize });
          samples = test.x.shape[0];
          source = `${data} (t10k files)`;
        } finally {
          tf.dispose([test.x, test.y]);
        }
      } else {
        const folders = findImageFolders(data);
        const dir = folders.test ?? (folders.train === data ? data : undefined);
        if (!dir)
          throw new CliUsageError(`${data} has train/ but no test/ folder; give the folder of test images.`);
        const names = classNamesFor(modelPath) ?? folders.classes;
        if (names.length !== classes) {
          throw new CliUsageError(
            `The model has ${classes} classes but ${dir} has ${names.length} (${names.join(', ')}).`,
          );
        }
        const flow = directoryFlow(
          dir,
          { targetSize: [h, w], grayscale: c === 1, batchSize, seed: 0, classes: names },
          false,
        );
        values = await model.evaluate(flow);
        samples = (flow as unknown as { samples: number }).samples;
        source = dir;
      }
      const result = Object.fromEntries(model.metricsNames.map((n, i) => [n, values[i]]));
      ctx.result({ model: modelPath, data: source, samples, ...result }, [
        `${source}: ${samples} images, loss ${values[0].toFixed(4)}, accuracy ${values[1].toFixed(4)}`,
      ]);
      model.dispose();
    });
}
