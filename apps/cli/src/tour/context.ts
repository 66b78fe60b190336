import { relative } from 'node:path';
import type { CliContext } from '../context';
import type { StagedDir } from '../io/atomic';
import type { ReportSection } from '../report/html';
import type { TourSettings } from './settings';

/** What every tour step shares: the terminal, the staging folder, the settings, and what was found so far. */
export interface TourContext {
  ctx: CliContext;
  stage: StagedDir;
  settings: TourSettings;
  quick: boolean;
  signal: AbortSignal;
  /** The results JSON, filled in step by step. */
  results: Record<string, unknown>;
  /** The report's sections, in order. */
  sections: ReportSection[];
  /** Options the user gave: the Fashion-MNIST folder and where to look for VGG16 weights. */
  fashionMnistDir: string;
  fashionMnistGiven: boolean;
}

/** A path inside the report, relative to the report folder (for the HTML and the JSON). */
export function rel(t: TourContext, path: string): string {
  return relative(t.stage.dir, path).split('\\').join('/');
}

/** Logs a step's heading. */
export function step(t: TourContext, title: string): void {
  t.ctx.log('');
  t.ctx.log(`== ${title}`);
}
