import type { SplitName, SplitOrder, SplitRule, SplitSizes } from './allocate';
import type { SourceLayout } from './layout';

/** How a file reaches its split: a byte copy, a hard link (same file system), or a symbolic link to the source. */
export type SplitMode = 'copy' | 'hardlink' | 'symlink';

/** Progress of a split: `check` reads and hashes the chosen images, `write` puts them in place. */
export interface SplitProgress {
  phase: 'check' | 'write';
  /** Files finished in this phase (skipped ones included). */
  done: number;
  total: number;
  /** The destination (write) or source (check) path of the file just finished, relative to its root. */
  file: string;
}

/** Options of splitDataset. */
export interface SplitDatasetOptions {
  /** The folder of labelled images: flat (`cat.0.jpg`, `dog.12.jpg`) or one subfolder per class. */
  source: string;
  /** Where `train/`, `validation/` and `test/` go; must not lie inside the source. Created if missing. */
  destination: string;
  /** Per-class counts `{ train: 1000, validation: 500, test: 500 }` or fractions `{ train: 0.5, validation: 0.25, test: 0.25 }`. */
  splits: SplitSizes;
  /** Forces how `splits` is read; by default whole numbers are counts and any fraction makes them fractions. */
  splitBy?: 'count' | 'fraction';
  /**
   * Which classes to use: a list of class names, or a map from class name to output folder name
   * (`{ cat: 'cats', dog: 'dogs' }`, as in the book). Default: every class found, under its own name.
   */
  classes?: string[] | Record<string, string>;
  /** `auto` (default) detects the layout; `flat` or `folders` forces one. */
  layout?: 'auto' | SourceLayout;
  /** Seed of the shuffle (required when order is `shuffle`): the same seed and folder give the same split on any machine. */
  seed?: number | string;
  /** `shuffle` (default) or `sorted`: natural order, no shuffle (first 1000 to train, next 500 to validation, ...), as the book does. */
  order?: SplitOrder;
  /** `copy` (default), `hardlink` or `symlink`. */
  mode?: SplitMode;
  /** Plan, check and print the plan, and write nothing. */
  dryRun?: boolean;
  /** Where to write the manifest JSON: a path, `true` (default: `<destination>/split-manifest.json`) or `false` for none. */
  manifest?: boolean | string;
  /** Called after each file of each phase (for a progress bar). Throwing from it stops the run, leaving it resumable. */
  onProgress?: (progress: SplitProgress) => void;
  /** Stops the run between files; what is done stays done and the run can be resumed or rolled back. */
  signal?: AbortSignal;
  /** Where a dry run prints its plan (default console.log). */
  log?: (line: string) => void;
  /** Files read or written at once (default 8). */
  concurrency?: number;
}

/** One image of the plan. Paths are absolute; the `*Relative` ones use `/` and are relative to source or destination. */
export interface PlannedFile {
  source: string;
  destination: string;
  sourceRelative: string;
  destinationRelative: string;
  split: SplitName;
  /** The class name found in the source. */
  className: string;
  /** The class's output folder name (the class name unless `classes` maps it). */
  folder: string;
  size: number;
  sha256: string;
  /** `create`: to be written; `present`: the destination already holds this file (same content), so it is skipped. */
  status: 'create' | 'present';
}

/** One class of the plan: images found, dealt to each split, and left out. */
export interface ClassPlan {
  name: string;
  folder: string;
  available: number;
  counts: Record<SplitName, number>;
  unused: number;
}

/** Everything a split will do, worked out and checked before anything is written. */
export interface SplitPlan {
  source: string;
  destination: string;
  layout: SourceLayout;
  mode: SplitMode;
  order: SplitOrder;
  seed: number | string | null;
  rule: SplitRule;
  classes: ClassPlan[];
  files: PlannedFile[];
  /** Source files that were not images or were hidden, relative to the source. */
  ignored: string[];
  /** Folders the run will create (absolute), parents first. */
  newDirectories: string[];
  /** The manifest to write, or null when none was asked for. */
  manifest: { path: string; text: string; sha256: string; status: 'create' | 'present' } | null;
  /** The journal that makes the run resumable and undoable. */
  journalPath: string;
  /** `new`: no earlier run; `resume`: an unfinished run with this plan is continued; `complete`: this exact split is already done. */
  state: 'new' | 'resume' | 'complete';
  /** Names this run's temporary files; kept from the earlier run when resuming. */
  runId: string;
  /** Temporary files left by a killed run with the same id (removed before writing). */
  staleTemporaryFiles: string[];
}

/** What splitDataset did. */
export interface SplitResult {
  plan: SplitPlan;
  dryRun: boolean;
  /** Files written by this call. */
  created: number;
  /** Files already in place (same content), left untouched. */
  skipped: number;
  /** The manifest's path, or null when none was asked for. */
  manifestPath: string | null;
  journalPath: string;
}
