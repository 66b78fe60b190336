import { type ExecuteHooks, executePlan } from './execute';
import { formatPlan } from './format-plan';
import { checkOptions } from './options';
import { describeRun, planSplit } from './plan';
import type { SplitDatasetOptions, SplitResult } from './types';

/**
 * Splits a folder of labelled images into `train/`, `validation/` and `test/` (one subfolder per class
 * in each), stratified per class, by counts or fractions, reproducibly from a seed (or in natural
 * order, as the book does). Plans and checks everything first, so a bad option, a class with too few
 * images, an unreadable image, an unknown layout, a destination inside the source or a file in the
 * way is reported before anything is written. Then it writes through a journal: it never overwrites
 * or deletes a file, a stopped run is resumed by running it again (files already in place are
 * skipped, so a second full run writes nothing), and rollbackSplit undoes it.
 *
 * @example
 * await splitDataset({ source: 'kaggle/train', destination: 'cats_and_dogs_small',
 *   splits: { train: 1000, validation: 500, test: 500 }, classes: { cat: 'cats', dog: 'dogs' }, order: 'sorted' });
 */
export function splitDataset(options: SplitDatasetOptions): Promise<SplitResult> {
  return runSplit(options);
}

/** splitDataset with failure-injection hooks (for tests). */
export async function runSplit(options: SplitDatasetOptions, hooks?: ExecuteHooks): Promise<SplitResult> {
  const plan = await planSplit(options);
  const base = { plan, manifestPath: plan.manifest?.path ?? null, journalPath: plan.journalPath };
  if (options.dryRun) {
    (options.log ?? console.log)(formatPlan(plan));
    const present = plan.files.filter((f) => f.status === 'present').length;
    return { ...base, dryRun: true, created: 0, skipped: present };
  }
  const checked = checkOptions(options);
  const { created, skipped } = await executePlan(plan, {
    summary: describeRun(checked, plan.layout),
    concurrency: checked.concurrency,
    onProgress: options.onProgress,
    signal: options.signal,
    hooks,
  });
  return { ...base, dryRun: false, created, skipped };
}
