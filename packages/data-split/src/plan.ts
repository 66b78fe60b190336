import { open, readdir, stat } from 'node:fs/promises';
import { dirname, join, posix } from 'node:path';
import { countsFor, dealToSplits, SPLIT_NAMES } from './allocate';
import { DataSplitError } from './errors';
import {
  isCode,
  isInside,
  lstatOrNull,
  newRunId,
  partialName,
  realpathOrPlanned,
  runPool,
  sha256,
} from './fs-utils';
import { inspectImage } from './image-check';
import { mismatchReason } from './in-place';
import { type Journal, journalPath, readJournal } from './journal';
import { type SourceImage, type SourceScan, scanSource } from './layout';
import { buildManifest } from './manifest';
import { naturalCompare, sortNaturally } from './natural-sort';
import { type CheckedOptions, checkOptions } from './options';
import type { ClassPlan, PlannedFile, SplitDatasetOptions, SplitPlan } from './types';

/**
 * Works out everything a split will do and checks it, writing nothing: the layout, the classes and
 * their counts, every file (read once: readable image, size, SHA-256), every destination path (free,
 * or already holding the same file), the destination's journal (an earlier run to resume, or a
 * different one to refuse). Throws one DataSplitError listing every problem found.
 */
export async function planSplit(options: SplitDatasetOptions): Promise<SplitPlan> {
  const o = checkOptions(options);
  const signal = options.signal;
  const source = await checkSource(o.source);
  const destination = o.destination;
  await checkPlacement(source, destination, o);
  const destinationStats = await lstatOrNull(destination);
  if (destinationStats && !(await stat(destination)).isDirectory()) {
    throw new DataSplitError(
      'conflict',
      `The destination ${destination} exists and is not a folder. Choose a folder path.`,
    );
  }

  const scan = await scanSource(source, o.layout);
  const selected = selectClasses(scan, o, source);
  const { classes, files } = dealFiles(selected, o, source, destination);
  throwIfAborted(signal, 'while planning');

  const inodes = await checkSourceFiles(files, o.concurrency, options.onProgress, signal);

  const journal = destinationStats ? await readJournal(destination) : null;
  const summary = describeRun(o, scan.layout);
  if (journal) compareWithJournal(journal, files, source, o, summary, destination);
  const runId = journal?.runId ?? newRunId();

  const problems: string[] = [];
  const newDirectories = await findNewDirectories(destination, files, problems);
  if (o.mode === 'hardlink')
    await checkSameFileSystem(source, newDirectories[0] ? dirname(newDirectories[0]) : destination);
  const newSet = new Set(newDirectories);
  await runPool(files, o.concurrency, async (file) => {
    if (newSet.has(dirname(file.destination))) return;
    const st = await lstatOrNull(file.destination);
    if (st === null) return;
    const inode = inodes.get(file);
    const reason = await mismatchReason(
      file,
      st,
      inode !== undefined && st.dev === inode.dev && st.ino === inode.ino,
    );
    if (reason === null) file.status = 'present';
    else
      problems.push(
        `${file.destination} ${reason}; it would be the ${file.split} copy of ${file.sourceRelative}`,
      );
  });

  const manifest =
    o.manifest === null
      ? null
      : await planManifest(o, source, destination, scan, classes, files, newSet, problems);
  if (problems.length) {
    throw new DataSplitError(
      'conflict',
      `Nothing was written: ${problems.length} path(s) in the destination are in the way. This tool never overwrites ` +
        'or deletes a file it did not create; move these away (or choose another destination) and run again:',
      problems,
    );
  }
  const staleTemporaryFiles = journal
    ? await findStaleTemporaryFiles(files, newSet, runId, manifest?.path)
    : [];
  const nothingToDo =
    journal?.state === 'complete' &&
    newDirectories.length === 0 &&
    staleTemporaryFiles.length === 0 &&
    files.every((f) => f.status === 'present') &&
    (manifest === null || manifest.status === 'present');
  return {
    source,
    destination,
    layout: scan.layout,
    mode: o.mode,
    order: o.order,
    seed: o.seed,
    rule: o.rule,
    classes,
    files,
    ignored: scan.ignored,
    newDirectories,
    manifest,
    journalPath: journalPath(destination),
    state: journal === null ? 'new' : nothingToDo ? 'complete' : 'resume',
    runId,
    staleTemporaryFiles,
  };
}

/** A one-line description of the split asked for (kept in the journal for messages). */
export function describeRun(o: CheckedOptions, layout: string): string {
  const sizes = SPLIT_NAMES.filter((s) => o.rule.sizes[s] > 0).map((s) => `${s} ${o.rule.sizes[s]}`);
  const order =
    o.order === 'shuffle' ? `shuffled with seed ${JSON.stringify(o.seed)}` : 'sorted (no shuffle)';
  const classes = o.classes
    ? `, classes ${[...o.classes].map(([c, f]) => (c === f ? c : `${c}->${f}`)).join(', ')}`
    : '';
  return `${layout} layout, ${o.rule.kind === 'count' ? 'counts' : 'fractions'} ${sizes.join(', ')}, ${order}${classes}, mode ${o.mode}`;
}

/** Throws a DataSplitError('aborted') when the signal has fired. */
export function throwIfAborted(signal: AbortSignal | undefined, when: string) {
  if (signal?.aborted)
    throw new DataSplitError('aborted', `The split was stopped ${when} (the abort signal fired).`);
}

async function checkSource(path: string): Promise<string> {
  let st: Awaited<ReturnType<typeof stat>>;
  try {
    st = await stat(path);
  } catch (err) {
    if (isCode(err, 'ENOENT'))
      throw new DataSplitError('source', `The source folder ${path} does not exist.`);
    throw new DataSplitError(
      'source',
      `Cannot read the source folder ${path}: ${(err as Error).message}`,
      [],
      { cause: err },
    );
  }
  if (!st.isDirectory())
    throw new DataSplitError('source', `The source ${path} is a file, not a folder of images.`);
  return realpathOrPlanned(path);
}

async function checkPlacement(source: string, destination: string, o: CheckedOptions) {
  const realDestination = await realpathOrPlanned(destination);
  if (isInside(realDestination, source)) {
    throw new DataSplitError(
      'destination-inside-source',
      `The destination ${destination} lies inside the source ${source}` +
        (realDestination !== destination ? ` (it resolves to ${realDestination})` : '') +
        '; the split would then read its own output. Choose a destination outside the source folder.',
    );
  }
  for (const split of SPLIT_NAMES) {
    if (isInside(source, join(realDestination, split))) {
      throw new DataSplitError(
        'destination-inside-source',
        `The source ${source} lies inside the destination's ${split}/ folder; choose a destination that does not contain the source.`,
      );
    }
  }
  if (o.manifest !== null && isInside(await realpathOrPlanned(o.manifest), source)) {
    throw new DataSplitError(
      'destination-inside-source',
      `The manifest path ${o.manifest} lies inside the source ${source}; nothing is ever written into the source. ` +
        'Leave manifest at its default (inside the destination) or choose a path outside the source.',
    );
  }
}

interface SelectedClass {
  name: string;
  folder: string;
  images: SourceImage[];
}

function selectClasses(scan: SourceScan, o: CheckedOptions, source: string): SelectedClass[] {
  if (o.classes === null) return [...scan.classes].map(([name, images]) => ({ name, folder: name, images }));
  const missing = [...o.classes.keys()].filter((c) => !scan.classes.has(c));
  if (missing.length) {
    throw new DataSplitError(
      'bad-option',
      `classes names ${missing.map((c) => `'${c}'`).join(', ')}, not found in ${source} (${scan.layout} layout). ` +
        `The classes found are: ${[...scan.classes.keys()].map((c) => `'${c}'`).join(', ')}.`,
    );
  }
  return [...o.classes].map(([name, folder]) => ({ name, folder, images: scan.classes.get(name)! }));
}

function dealFiles(selected: SelectedClass[], o: CheckedOptions, source: string, destination: string) {
  const classes: ClassPlan[] = [];
  const files: PlannedFile[] = [];
  const tooFew: string[] = [];
  for (const cls of selected) {
    const counts = countsFor(o.rule, cls.images.length);
    if (typeof counts === 'string') {
      tooFew.push(`class '${cls.name}' ${counts}`);
      continue;
    }
    const used = SPLIT_NAMES.reduce((a, s) => a + counts[s], 0);
    classes.push({
      name: cls.name,
      folder: cls.folder,
      available: cls.images.length,
      counts,
      unused: cls.images.length - used,
    });
    const dealt = dealToSplits(cls.images, counts, o.order, o.seed, cls.name);
    for (const split of SPLIT_NAMES) {
      for (const image of dealt[split]) {
        const within = image.relative.startsWith(`${cls.name}/`)
          ? image.relative.slice(cls.name.length + 1)
          : image.relative;
        const destinationRelative = posix.join(split, cls.folder, within);
        files.push({
          source: join(source, ...image.relative.split('/')),
          destination: join(destination, ...destinationRelative.split('/')),
          sourceRelative: image.relative,
          destinationRelative,
          split,
          className: cls.name,
          folder: cls.folder,
          size: 0,
          sha256: '',
          status: 'create',
        });
      }
    }
  }
  if (tooFew.length) {
    throw new DataSplitError(
      'too-few',
      'Nothing was written: some classes have too few images for the splits asked for. Lower the counts, use ' +
        'fractions, leave those classes out with the classes option, or add images:',
      tooFew,
    );
  }
  // Split order (train, validation, test), then class folder, then path: the order of the journal and manifest.
  sortNaturally(
    files,
    (f) => `${SPLIT_NAMES.indexOf(f.split)}\u0000${f.folder}\u0000${f.destinationRelative}`,
  );
  return { classes, files };
}

async function checkSourceFiles(
  files: PlannedFile[],
  concurrency: number,
  onProgress: SplitDatasetOptions['onProgress'],
  signal: AbortSignal | undefined,
) {
  const problems: string[] = [];
  const inodes = new Map<PlannedFile, { dev: number; ino: number }>();
  let done = 0;
  await runPool(files, concurrency, async (file) => {
    throwIfAborted(signal, 'while checking the source images');
    try {
      const handle = await open(file.source, 'r');
      try {
        const st = await handle.stat();
        const bytes = await handle.readFile();
        const check = inspectImage(bytes);
        if (!check.ok) problems.push(`${file.source}: ${check.reason}`);
        file.size = bytes.length;
        file.sha256 = sha256(bytes);
        inodes.set(file, { dev: st.dev, ino: st.ino });
      } finally {
        await handle.close();
      }
    } catch (err) {
      problems.push(`${file.source}: cannot be read (${(err as Error).message})`);
    }
    onProgress?.({ phase: 'check', done: ++done, total: files.length, file: file.sourceRelative });
  });
  if (problems.length) {
    problems.sort(naturalCompare);
    throw new DataSplitError(
      'unreadable',
      `Nothing was written: ${problems.length} of the ${files.length} chosen image(s) are not readable images. ` +
        'Remove or replace them (or fix their permissions) and run again:',
      problems,
    );
  }
  return inodes;
}

function compareWithJournal(
  journal: Journal,
  files: PlannedFile[],
  source: string,
  o: CheckedOptions,
  summary: string,
  destination: string,
) {
  const differences: string[] = [];
  if (journal.source !== source) differences.push(`source: ${journal.source} before, ${source} now`);
  if (journal.mode !== o.mode) differences.push(`mode: ${journal.mode} before, ${o.mode} now`);
  const before = new Map(journal.entries.map((e) => [e.destination, e]));
  for (const file of files) {
    const entry = before.get(file.destinationRelative);
    before.delete(file.destinationRelative);
    if (!entry) differences.push(`${file.destinationRelative}: not part of the earlier run`);
    else if (entry.source !== file.sourceRelative) {
      differences.push(
        `${file.destinationRelative}: from ${entry.source} before, from ${file.sourceRelative} now`,
      );
    } else if (entry.sha256 !== file.sha256)
      differences.push(`${file.destinationRelative}: its source ${file.sourceRelative} has changed`);
  }
  for (const entry of before.values())
    differences.push(`${entry.destination}: part of the earlier run, not of this one`);
  if (differences.length === 0) return;
  throw new DataSplitError(
    'journal',
    `Nothing was written: ${destination} holds a${journal.state === 'complete' ? '' : 'n unfinished'} split from an ` +
      `earlier run (${journal.summary}) that differs from this one (${summary}). To finish that run, run it again ` +
      `with its options; to start over, undo it with rollbackSplit('${destination}') or choose another destination. ` +
      `${differences.length} difference(s):`,
    differences,
  );
}

async function findNewDirectories(
  destination: string,
  files: PlannedFile[],
  problems: string[],
): Promise<string[]> {
  const ancestors: string[] = [];
  let dir = destination;
  while ((await lstatOrNull(dir)) === null) {
    ancestors.unshift(dir);
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  const needed = new Set<string>();
  for (const file of files) {
    for (let d = dirname(file.destination); d !== destination && !needed.has(d); d = dirname(d))
      needed.add(d);
  }
  const sorted = [...needed].sort((a, b) => depth(a) - depth(b) || naturalCompare(a, b));
  const created = new Set(ancestors);
  for (const d of sorted) {
    if (created.has(dirname(d))) {
      created.add(d);
      continue;
    }
    const st = await lstatOrNull(d);
    if (st === null) created.add(d);
    else if (!st.isDirectory()) {
      problems.push(
        `${d} ${st.isSymbolicLink() ? 'is a symbolic link' : 'is a file'}, where the split needs a folder`,
      );
    }
  }
  return [...ancestors, ...sorted.filter((d) => created.has(d))];
}

async function checkSameFileSystem(source: string, existingDestination: string) {
  const [a, b] = await Promise.all([stat(source), stat(existingDestination)]);
  if (a.dev !== b.dev) {
    throw new DataSplitError(
      'bad-option',
      `mode 'hardlink' needs the source and the destination on the same file system, but ${source} and ` +
        `${existingDestination} are on different ones (devices ${a.dev} and ${b.dev}). Use mode 'copy' or 'symlink', ` +
        'or a destination on the same disk.',
    );
  }
}

function depth(path: string): number {
  return path.split(/[\\/]/).length;
}

async function planManifest(
  o: CheckedOptions,
  source: string,
  destination: string,
  scan: SourceScan,
  classes: ClassPlan[],
  files: PlannedFile[],
  newDirectories: Set<string>,
  problems: string[],
): Promise<SplitPlan['manifest']> {
  const path = o.manifest!;
  const text = buildManifest({ source, destination, layout: scan.layout, o, classes, files });
  const hash = sha256(text);
  const parent = dirname(path);
  if (path === journalPath(destination)) {
    problems.push(`${path} is the split's journal; choose another manifest path`);
    return null;
  }
  if (parent !== destination && !newDirectories.has(parent)) {
    const st = await lstatOrNull(parent);
    if (st === null || !(await stat(parent)).isDirectory()) {
      problems.push(
        `${path}: the manifest's folder ${parent} does not exist; create it or choose another manifest path`,
      );
      return null;
    }
  }
  const st = newDirectories.has(parent) ? null : await lstatOrNull(path);
  if (st === null) return { path, text, sha256: hash, status: 'create' };
  const reason = await mismatchReason(
    { source: '(this split)', destination: path, size: Buffer.byteLength(text), sha256: hash },
    st,
  );
  if (reason === null) return { path, text, sha256: hash, status: 'present' };
  problems.push(
    `${path} (the manifest) already exists and ${reason}; pass manifest: '<other path>' or false`,
  );
  return null;
}

async function findStaleTemporaryFiles(
  files: PlannedFile[],
  newDirectories: Set<string>,
  runId: string,
  manifestPath: string | undefined,
): Promise<string[]> {
  const dirs = new Set(files.map((f) => dirname(f.destination)).filter((d) => !newDirectories.has(d)));
  const suffix = `.${runId}.partial`;
  const stale: string[] = [];
  for (const dir of dirs) {
    for (const name of await readdir(dir)) {
      if (name.startsWith('.') && name.endsWith(suffix)) stale.push(join(dir, name));
    }
  }
  if (manifestPath !== undefined && (await lstatOrNull(partialName(manifestPath, runId))) !== null) {
    stale.push(partialName(manifestPath, runId));
  }
  return stale.sort(naturalCompare);
}
