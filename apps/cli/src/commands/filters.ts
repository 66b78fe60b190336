import { resolve } from 'node:path';
import type { Command } from 'commander';
import { CliContext, numberIn, positiveInt } from '../context';
import { CliUsageError } from '../errors';
import { writeFilterPicture } from '../explain/filter-picture';
import { isOccupied } from '../io/atomic';
import { loadAnyModel } from '../models/load';

interface FiltersOptions {
  layer: string;
  count?: string;
  size?: string;
  steps: string;
  inputScale: string;
  stepSize: string;
}

/** `convkit filters MODEL --layer NAME`: filter patterns by gradient ascent (section 5.4.2). */
export function registerFilters(program: Command): void {
  program
    .command('filters')
    .description(
      'write the grid of patterns each filter of a conv layer responds to most (gradient ascent in input space)',
    )
    .argument('<model>', 'a saved model: folder with model.json, or a Keras .h5 file')
    .requiredOption('--layer <name>', 'the conv layer (for example conv2d_1, or block1_conv1 for VGG16)')
    .option('--count <n>', 'how many filters, from filter 0 (default: up to 64)')
    .option('--size <px>', 'pattern size (default: the model input size, or 64 when it takes any size)')
    .option('--steps <n>', 'gradient-ascent steps per pattern (the chapter: 40)', '40')
    .option('--step-size <px>', 'gradient-ascent step in pixel units (the chapter: 1)', '1')
    .option(
      '--input-scale <f>',
      "the model's input per pixel value: 1/255 for models trained on rescaled images (the default), 1 for 0-255 input such as VGG16",
      String(1 / 255),
    )
    .addHelpText(
      'after',
      '\nWrites --out (default filters-LAYER.png); an existing file is replaced only with --force.',
    )
    .action(async (modelPath: string, options: FiltersOptions, cmd: Command) => {
      const ctx = new CliContext(cmd);
      const out = resolve(ctx.options.out ?? `filters-${options.layer}.png`);
      if (isOccupied(out) && !ctx.options.force) {
        throw new CliUsageError(
          `${out} already exists. Pass --force to replace it, or --out to write elsewhere.`,
        );
      }
      const steps = positiveInt('--steps', options.steps, 40);
      await ctx.startBackend();
      const model = await loadAnyModel(modelPath);
      model.getLayer(options.layer);
      const fixed = model.inputShape[1];
      const size = positiveInt('--size', options.size, typeof fixed === 'number' ? fixed : 64);
      const filters = (model.getLayer(options.layer).outputShape.at(-1) as number | null) ?? 64;
      const count = positiveInt('--count', options.count, Math.min(64, filters));
      const progress = ctx.progress(`filters of ${options.layer}`, count, 'filters');
      const picture = await writeFilterPicture(model, options.layer, out, {
        count,
        size,
        steps,
        seed: ctx.seed,
        stepSize: numberIn('--step-size', options.stepSize, 1, 1e-6, 1e6),
        inputScale: numberIn('--input-scale', options.inputScale, 1 / 255, 1e-6, 1e6),
        progress,
      });
      ctx.result({ ...picture, steps, size, seed: ctx.seed }, [
        `Wrote ${picture.filters} filter patterns of ${options.layer} to ${out} (${picture.width}x${picture.height}).`,
      ]);
    });
}
