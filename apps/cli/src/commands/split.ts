import {
  rollbackSplit,
  type SplitDatasetOptions,
  type SplitProgress,
  splitDataset,
} from '@convkit/data-split';
import type { Command } from 'commander';
import { CliContext } from '../context';
import { CliUsageError } from '../errors';
import { InterruptedError, withInterrupts } from '../interrupt';
import type { Progress } from '../ui/progress';

interface SplitOptions {
  train: string;
  validation: string;
  test: string;
  classes?: string;
  order: string;
  mode: string;
  dryRun?: boolean;
  rollback?: boolean;
  manifest: boolean;
}

/** Parses `--classes cat,dog` or `--classes cat=cats,dog=dogs` (the book's folder names). */
export function parseClasses(text: string | undefined): SplitDatasetOptions['classes'] {
  if (text === undefined) return undefined;
  const items = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (items.length === 0)
    throw new CliUsageError(`--classes needs class names like 'cat,dog' or 'cat=cats,dog=dogs'.`);
  if (!items.some((i) => i.includes('='))) return items;
  const map: Record<string, string> = {};
  for (const item of items) {
    const [name, folder] = item.split('=');
    if (!name || !folder) throw new CliUsageError(`--classes: expected NAME=FOLDER, got '${item}'.`);
    map[name] = folder;
  }
  return map;
}

function sizeOf(name: string, text: string): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0)
    throw new CliUsageError(`--${name} must be a count or a fraction >= 0, got '${text}'.`);
  return n;
}

/** `convkit split SOURCE [DEST]`: the chapter's train/validation/test folders from a folder of images. */
export function registerSplit(program: Command): void {
  program
    .command('split')
    .description(
      'split a folder of labelled images (cat.0.jpg, ... or one subfolder per class) into train/validation/test',
    )
    .argument('<source>', 'folder of images: flat Kaggle naming or one subfolder per class')
    .argument('[destination]', 'where train/, validation/ and test/ go (default: --out, else SOURCE-split)')
    .option('--train <n>', 'images per class for training (a count, or a fraction like 0.5)', '1000')
    .option('--validation <n>', 'images per class for validation', '500')
    .option('--test <n>', 'images per class for testing', '500')
    .option(
      '--classes <list>',
      "classes to use: 'cat,dog', or 'cat=cats,dog=dogs' to rename the folders as the book does",
    )
    .option('--order <order>', "'shuffle' (seeded by --seed) or 'sorted' (the book's first N)", 'shuffle')
    .option('--mode <mode>', "'copy', 'hardlink' or 'symlink'", 'copy')
    .option('--dry-run', 'print the plan and write nothing')
    .option('--rollback', 'undo an earlier (finished or stopped) split into DESTINATION')
    .option('--no-manifest', 'do not write split-manifest.json')
    .action(
      async (source: string, destination: string | undefined, options: SplitOptions, command: Command) => {
        const ctx = new CliContext(command);
        const dest = destination ?? ctx.options.out ?? `${source.replace(/[\\/]+$/, '')}-split`;
        if (options.rollback) {
          const result = await rollbackSplit(dest, { log: (l) => ctx.log(l) });
          ctx.result(result, [
            `Removed ${result.removed.length} files of the split in ${dest}` +
              (result.kept.length ? `; kept ${result.kept.length} changed since (listed with --json).` : '.'),
          ]);
          return;
        }
        if (!['shuffle', 'sorted'].includes(options.order)) {
          throw new CliUsageError(`--order must be 'shuffle' or 'sorted', got '${options.order}'.`);
        }
        if (!['copy', 'hardlink', 'symlink'].includes(options.mode)) {
          throw new CliUsageError(`--mode must be 'copy', 'hardlink' or 'symlink', got '${options.mode}'.`);
        }
        const bars: Partial<Record<SplitProgress['phase'], Progress>> = {};
        const result = await withInterrupts((signal) =>
          splitDataset({
            source,
            destination: dest,
            splits: {
              train: sizeOf('train', options.train),
              validation: sizeOf('validation', options.validation),
              test: sizeOf('test', options.test),
            },
            classes: parseClasses(options.classes),
            seed: ctx.seed,
            order: options.order as 'shuffle' | 'sorted',
            mode: options.mode as 'copy' | 'hardlink' | 'symlink',
            dryRun: options.dryRun,
            manifest: options.manifest,
            log: (l) => ctx.log(l),
            signal,
            onProgress: (p) => {
              const bar = (bars[p.phase] ??= ctx.progress(
                p.phase === 'check' ? 'checking' : 'writing',
                p.total,
                'files',
              ));
              bar.update(p.done);
            },
          }).catch((error: unknown) => {
            if (signal.aborted) {
              throw new InterruptedError(
                `split stopped by Ctrl-C; files already written are kept. Run the same command again to resume, or add --rollback to undo.`,
              );
            }
            throw error;
          }),
        );
        for (const bar of Object.values(bars)) bar?.stop();
        const counts = Object.fromEntries(result.plan.classes.map((c) => [c.name, c.counts]));
        ctx.result(
          {
            source: result.plan.source,
            destination: result.plan.destination,
            dryRun: result.dryRun,
            created: result.created,
            skipped: result.skipped,
            seed: result.plan.seed,
            counts,
            manifest: result.manifestPath,
          },
          result.dryRun
            ? []
            : [
                `Split ${result.plan.source} into ${result.plan.destination}: ${result.created} files written, ${result.skipped} already in place.`,
                ...result.plan.classes.map(
                  (c) =>
                    `  ${c.name} -> ${c.folder}: train ${c.counts.train}, validation ${c.counts.validation}, test ${c.counts.test}`,
                ),
              ],
        );
      },
    );
}
