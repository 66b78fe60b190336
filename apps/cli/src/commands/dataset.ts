import type { Command } from 'commander';
import { CliContext, positiveInt } from '../context';
import { BUILTIN_CLASSES } from '../data/builtin';
import { writeBuiltinDataset } from '../data/write-builtin';
import { CliUsageError } from '../errors';
import { StagedDir } from '../io/atomic';

/** `convkit dataset`: writes the built-in cats-and-dogs set as JPEG files in Kaggle's flat naming. */
export function registerDataset(program: Command): void {
  program
    .command('dataset')
    .description(
      "write the built-in cats-and-dogs images (JPEG, Kaggle's flat naming: cat.0.jpg, dog.0.jpg, ...)",
    )
    .option('--per-class <n>', 'images of each class', '1000')
    .option('--size <px>', 'width and height of the images', '64')
    .addHelpText('after', '\nWrites to --out (default: convkit-data). The same --seed gives the same images.')
    .action(async (options: { perClass: string; size: string }, command: Command) => {
      const ctx = new CliContext(command);
      const perClass = positiveInt('--per-class', options.perClass, 1000);
      const size = positiveInt('--size', options.size, 64);
      if (size < 16) throw new CliUsageError(`--size must be at least 16 pixels, got ${size}.`);
      const out = new StagedDir(ctx.options.out ?? 'convkit-data', { force: ctx.options.force });
      const total = perClass * BUILTIN_CLASSES.length;
      const progress = ctx.progress('writing images', total, 'files');
      try {
        const files = await writeBuiltinDataset(out.dir, {
          perClass,
          size,
          seed: ctx.seed,
          onProgress: (n) => progress.update(n),
        });
        progress.stop();
        out.commit();
        ctx.result(
          { dir: out.target, files: files.length, classes: [...BUILTIN_CLASSES], size, seed: ctx.seed },
          [
            `Wrote ${files.length} images (${perClass} per class, ${size}x${size}) to ${out.target} (seed ${ctx.seed}).`,
          ],
        );
      } catch (error) {
        out.abort();
        throw error;
      }
    });
}
