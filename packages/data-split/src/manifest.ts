import type { SplitRule } from './allocate';
import type { SourceLayout } from './layout';
import type { CheckedOptions } from './options';
import type { ClassPlan, PlannedFile } from './types';

/** One file in the manifest; `source` and `destination` are relative to the manifest's roots, with `/`. */
export interface ManifestFile {
  source: string;
  destination: string;
  split: string;
  /** The class's output folder name (the label a generator will see). */
  class: string;
  size: number;
  sha256: string;
}

/** The manifest JSON a split writes: the run's settings, each class's counts, and every file. */
export interface SplitManifest {
  format: 'convkit-split-manifest';
  version: 1;
  source: string;
  destination: string;
  layout: SourceLayout;
  mode: string;
  order: string;
  seed: number | string | null;
  splits: SplitRule;
  classes: ClassPlan[];
  files: ManifestFile[];
}

/**
 * The manifest's text for a plan. It holds no time stamp or run id, so the same split always gives
 * the same bytes (a second run finds it already in place).
 */
export function buildManifest(input: {
  source: string;
  destination: string;
  layout: SourceLayout;
  o: CheckedOptions;
  classes: ClassPlan[];
  files: PlannedFile[];
}): string {
  const manifest: SplitManifest = {
    format: 'convkit-split-manifest',
    version: 1,
    source: input.source,
    destination: input.destination,
    layout: input.layout,
    mode: input.o.mode,
    order: input.o.order,
    seed: input.o.seed,
    splits: input.o.rule,
    classes: input.classes,
    files: input.files.map((f) => ({
      source: f.sourceRelative,
      destination: f.destinationRelative,
      split: f.split,
      class: f.folder,
      size: f.size,
      sha256: f.sha256,
    })),
  };
  return `${JSON.stringify(manifest, null, 1)}\n`;
}
