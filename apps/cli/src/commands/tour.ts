import type { Command } from 'commander';
import { CliContext } from '../context';
import { runTour } from '../tour/run-tour';

/**
 * The tour's seed without --seed: its report is then the same on every run (and machine). Its
 * small trainings vary a lot from seed to seed (test accuracy about 0.5-0.8); --seed shows others.
 */
export const TOUR_DEFAULT_SEED = 1;

/** `convkit tour`: the whole chapter on built-in data, with a report folder to open in a browser. */
export function registerTour(program: Command): void {
  program
    .command('tour')
    .description('run the whole chapter on built-in data and write a report (index.html) to convkit-out/')
    .option('--quick', 'a small version of every step (under a minute)')
    .option(
      '--fashion-mnist <dir>',
      'folder with the Fashion-MNIST IDX files (default: /usr/share/datasets/fashion-mnist)',
    )
    .addHelpText(
      'after',
      `\nOffline, no data or weights needed. VGG16 runs when Keras's weights are in ~/.keras/models; Fashion-MNIST when its files are found.\nThe report replaces an existing --out folder only with --force. Without --seed the tour uses seed ${TOUR_DEFAULT_SEED}, so its report is the same on every run; its small trainings vary a lot from seed to seed.`,
    )
    .action(async (options: { quick?: boolean; fashionMnist?: string }, cmd: Command) => {
      const ctx = new CliContext(cmd, process.stdout, process.stderr, { seed: TOUR_DEFAULT_SEED });
      const outcome = await runTour(ctx, {
        quick: Boolean(options.quick),
        out: ctx.options.out ?? 'convkit-out',
        force: Boolean(ctx.options.force),
        fashionMnist: options.fashionMnist,
      });
      const r = outcome.results as Record<string, any>;
      ctx.result(outcome.results, [
        `Tour done in ${r.wallSeconds.toFixed(0)} s. Test accuracy: no augmentation ${r.plain.test.acc.toFixed(3)}, augmentation + dropout ${r.augmented.test.acc.toFixed(3)}${r.fashionMnist?.status === 'done' ? `, Fashion-MNIST ${r.fashionMnist.test.acc.toFixed(3)}` : ''}.`,
        `Open ${outcome.out}/index.html in a browser.`,
      ]);
    });
}
