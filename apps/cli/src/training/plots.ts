import { join } from 'node:path';
import { writeFileAtomic } from '../io/atomic';
import { historyPlots, renderCurvesPng } from '../plots/curves';

/** Writes the chapter's two plots of a history: `<prefix>accuracy.png` and `<prefix>loss.png`. */
export async function writeHistoryPlots(
  dir: string,
  history: Record<string, number[]>,
  { prefix = '', title = '' }: { prefix?: string; title?: string } = {},
): Promise<{ accuracy: string; loss: string }> {
  const plots = historyPlots(history, title);
  const accuracy = join(dir, `${prefix}accuracy.png`);
  const loss = join(dir, `${prefix}loss.png`);
  await writeFileAtomic(accuracy, await renderCurvesPng(plots.accuracy));
  await writeFileAtomic(loss, await renderCurvesPng(plots.loss));
  return { accuracy, loss };
}
