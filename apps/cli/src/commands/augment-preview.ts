import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { imageDataGenerator, writeAugmentedGrid } from '@convkit/image-augment/node';
import type { Command } from 'commander';
import { type AugmentFlags, addAugmentOptions, augmentationFrom } from '../augment-options';
import { CliContext, positiveInt } from '../context';
import { CliUsageError } from '../errors';
import { parseTargetSize } from '../target-size';

interface PreviewOptions extends AugmentFlags {
  count: string;
  columns?: string;
  targetSize: string;
}

/** `convkit augment-preview IMAGE`: the chapter's picture of randomly augmented versions of one image. */
export function registerAugmentPreview(program: Command): void {
  const command = program
    .command('augment-preview')
    .description(
      "write a PNG grid of randomly augmented versions of one image (the chapter's four augmented cats)",
    )
    .argument('<image>', 'a JPEG or PNG file')
    .option('--count <n>', 'how many augmented versions', '4')
    .option('--columns <n>', 'tiles per row (default: all in one row)')
    .option('--target-size <HxW>', 'resize the image first, as Keras load_img (e.g. 150 or 150x150)', '150');
  addAugmentOptions(command)
    .addHelpText(
      'after',
      '\nWrites --out (default augmented.png); an existing file is replaced only with --force.',
    )
    .action(async (image: string, options: PreviewOptions, cmd: Command) => {
      const ctx = new CliContext(cmd);
      if (!existsSync(image)) throw new CliUsageError(`Image file ${image} does not exist.`);
      const out = resolve(ctx.options.out ?? 'augmented.png');
      if (existsSync(out) && !ctx.options.force) {
        throw new CliUsageError(
          `${out} already exists. Pass --force to replace it, or --out to write elsewhere.`,
        );
      }
      const count = positiveInt('--count', options.count, 4);
      const columns = positiveInt('--columns', options.columns, count);
      const targetSize = parseTargetSize(options.targetSize);
      const augmentation = augmentationFrom(options);
      await ctx.startBackend();
      const generator = imageDataGenerator(augmentation);
      const grid = await writeAugmentedGrid(out, image, generator, {
        count,
        columns,
        seed: ctx.seed,
        load: { targetSize },
      });
      ctx.result({ file: out, width: grid.width, height: grid.height, count, seed: ctx.seed, augmentation }, [
        `Wrote ${count} augmented versions of ${image} to ${out} (${grid.width}x${grid.height}).`,
      ]);
    });
}
