import { SPLIT_NAMES } from './allocate';
import type { SplitPlan } from './types';

/** The plan as text lines, as a dry run prints it: settings, a per-class table, and what will be written. */
export function formatPlan(plan: SplitPlan): string {
  const lines: string[] = [];
  const splits = SPLIT_NAMES.filter((s) => plan.rule.sizes[s] > 0);
  const sizes = splits.map((s) => `${s} ${plan.rule.sizes[s]}`).join(', ');
  lines.push(`Split plan: ${plan.source} -> ${plan.destination}`);
  lines.push(
    `  ${plan.layout} layout, ${plan.classes.length} class(es); ${plan.rule.kind === 'count' ? 'per-class counts' : 'per-class fractions'} ` +
      `${sizes}; ${plan.order === 'shuffle' ? `shuffled (seed ${JSON.stringify(plan.seed)})` : 'natural order, no shuffle'}; mode ${plan.mode}`,
  );
  const header = ['class', 'folder', 'images', ...splits, 'unused'];
  const rows = plan.classes.map((c) => [
    c.name,
    c.folder,
    String(c.available),
    ...splits.map((s) => String(c.counts[s])),
    String(c.unused),
  ]);
  const sum = (pick: (c: SplitPlan['classes'][number]) => number) =>
    String(plan.classes.reduce((a, c) => a + pick(c), 0));
  rows.push([
    'total',
    '',
    sum((c) => c.available),
    ...splits.map((s) => sum((c) => c.counts[s])),
    sum((c) => c.unused),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const row = (cells: string[]) =>
    `  ${cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ')}`;
  lines.push(row(header));
  for (const r of rows) lines.push(row(r));
  const toCreate = plan.files.filter((f) => f.status === 'create').length;
  const verb = { copy: 'copy', hardlink: 'hard-link', symlink: 'symlink' }[plan.mode];
  lines.push(
    `  ${plan.files.length} file(s): ${toCreate} to ${verb}, ${plan.files.length - toCreate} already in place; ` +
      `${plan.newDirectories.length} folder(s) to create; ${plan.ignored.length} non-image or hidden file(s) ignored`,
  );
  if (plan.manifest)
    lines.push(
      `  manifest: ${plan.manifest.path} (${plan.manifest.status === 'create' ? 'to write' : 'already in place'})`,
    );
  const state = {
    new: 'a new split',
    resume: `continues the unfinished run ${plan.runId}${plan.staleTemporaryFiles.length ? ` (${plan.staleTemporaryFiles.length} temporary file(s) of it to clean up)` : ''}`,
    complete: 'already done: nothing to write',
  }[plan.state];
  lines.push(`  journal: ${plan.journalPath} (${state})`);
  return lines.join('\n');
}
