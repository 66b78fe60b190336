import { writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { DEFAULT_FASHION_MNIST_DIR } from '@convkit/layers/node';
import type { CliContext } from '../context';
import { InterruptedError, withInterrupts } from '../interrupt';
import { StagedDir } from '../io/atomic';
import { renderReportHtml } from '../report/html';
import { VERSION } from '../version';
import type { TourContext } from './context';
import { dataStep } from './data-step';
import { explainStep } from './explain-step';
import { fashionStep } from './fashion-step';
import { listFiles } from './files';
import { FULL_TOUR, QUICK_TOUR } from './settings';
import { trainStep } from './train-step';
import { vgg16Step } from './vgg16-step';

/** Options of `convkit tour`. */
export interface TourOptions {
  quick: boolean;
  out: string;
  force: boolean;
  fashionMnist?: string;
}

/** What the tour wrote and found: the report folder and the results object (results.json). */
export interface TourOutcome {
  out: string;
  results: Record<string, unknown>;
}

/**
 * The chapter end to end on built-in data: data, split, a convnet without and with
 * augmentation + dropout, activations, filters, Grad-CAM, VGG16 (when its weights are here),
 * Fashion-MNIST (when its files are here), and a report folder with index.html and
 * results.json. Everything is written to a staging folder and moved into place at the end,
 * so an interrupted or failed tour leaves the previous report as it was.
 */
export async function runTour(ctx: CliContext, options: TourOptions): Promise<TourOutcome> {
  const started = performance.now();
  const stage = new StagedDir(options.out, { force: options.force });
  const settings = options.quick ? QUICK_TOUR : FULL_TOUR;
  try {
    const backend = await ctx.startBackend();
    const results: Record<string, unknown> = {
      convkit: VERSION,
      startedAt: new Date().toISOString(),
      quick: options.quick,
      seed: ctx.seed,
      backend: { name: backend.name, version: backend.version, summary: backend.summary },
      node: process.version,
    };
    await withInterrupts(async (signal) => {
      const t: TourContext = {
        ctx,
        stage,
        settings,
        quick: options.quick,
        signal,
        results,
        sections: [],
        fashionMnistDir: options.fashionMnist ?? DEFAULT_FASHION_MNIST_DIR,
        fashionMnistGiven: options.fashionMnist !== undefined,
      };
      const data = await dataStep(t);
      const plain = await trainStep(t, data, 'plain');
      plain.model.dispose();
      const augmented = await trainStep(t, data, 'augmented');
      await explainStep(t, augmented.model, data);
      augmented.model.dispose();
      await vgg16Step(t, data);
      await fashionStep(t);
      results.wallSeconds = (performance.now() - started) / 1000;
      results.files = listFiles(stage.dir);
      writeFileSync(stage.path('results.json'), `${JSON.stringify(results, null, 2)}\n`);
      writeFileSync(
        stage.path('index.html'),
        renderReportHtml({
          title: `convkit tour${options.quick ? ' (quick)' : ''}`,
          facts: [
            ['convkit', `${VERSION} on node ${process.version}`],
            ['backend', backend.summary],
            ['seed', String(ctx.seed)],
            ['wall time', `${(results.wallSeconds as number).toFixed(0)} s`],
            ['test accuracy', accuracyLine(results)],
            ['started', String(results.startedAt)],
          ],
          sections: t.sections,
          results,
          resultsFile: 'results.json',
        }),
      );
    }).catch((error: unknown) => {
      if (error instanceof InterruptedError) {
        throw new InterruptedError(`Tour stopped by Ctrl-C; ${stage.target} was left as it was.`);
      }
      throw error;
    });
    stage.commit();
    ctx.log('');
    const shown = relative(process.cwd(), stage.target);
    ctx.log(`Report: ${shown && !shown.startsWith('..') ? shown : stage.target}/index.html`);
    return { out: stage.target, results };
  } catch (error) {
    stage.abort();
    throw error;
  }
}

function accuracyLine(results: Record<string, unknown>): string {
  const acc = (k: string) => (results[k] as { test?: { acc?: number } } | undefined)?.test?.acc;
  const parts = [
    `plain ${acc('plain')?.toFixed(3) ?? '-'}`,
    `augmented + dropout ${acc('augmented')?.toFixed(3) ?? '-'}`,
  ];
  const fashion = results.fashionMnist as { status: string; test?: { acc: number } } | undefined;
  if (fashion?.status === 'done') parts.push(`Fashion-MNIST ${fashion.test?.acc.toFixed(3)}`);
  return parts.join(', ');
}
