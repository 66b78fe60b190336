import { type Dirent, existsSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { extname, join, relative } from 'node:path';
import { ConvkitUsageError } from '@convkit/tensor';

/** Keras's allowed image extensions (white_list_formats). */
export const KERAS_EXTENSIONS: readonly string[] = ['png', 'jpg', 'jpeg', 'bmp', 'ppm', 'tif', 'tiff'];

/** Every extension flowFromDirectory can decode (Keras's list plus formats sharp reads). */
export const SUPPORTED_EXTENSIONS: readonly string[] = [
  ...KERAS_EXTENSIONS,
  'pgm',
  'pbm',
  'pnm',
  'webp',
  'gif',
  'avif',
];

/** What `discoverImages` found. */
export interface Discovery {
  /** Class names, in class-index order. */
  classNames: string[];
  /** Paths relative to the folder, e.g. 'cats/cat.1.jpg', in Keras's order (class by class, sorted). */
  filenames: string[];
  /** The class index of each file. */
  classes: Int32Array;
  /** Files ignored for their extension, counted by extension (e.g. { '.gif': 3, '': 1 }). */
  ignored: Record<string, number>;
}

/** Options of `discoverImages`. */
export interface DiscoverOptions {
  /** Class subfolders to use, in index order; default: every subfolder, sorted. */
  classes?: readonly string[];
  /** Allowed extensions without the dot, case-insensitive (default Keras's list). */
  extensions?: readonly string[];
  /** Follow symbolic links to folders inside class folders (default false). */
  followLinks?: boolean;
  /** Keep only files [floor(start * n), floor(stop * n)) of each class (Keras's validation split). */
  split?: readonly [number, number];
}

/**
 * Keras's class discovery for flow_from_directory: classes are the sorted subfolders of `directory`
 * (or the given list); each class folder is walked recursively (folders in sorted path order, files
 * sorted by name) for files with an allowed extension; with `split`, each class keeps its slice.
 * Throws a clear error for a missing folder, one without class subfolders, unknown extensions, or
 * no images at all.
 */
export function discoverImages(directory: string, options: DiscoverOptions = {}): Discovery {
  const { followLinks = false, split } = options;
  const extensions = (options.extensions ?? KERAS_EXTENSIONS).map((e) => e.toLowerCase().replace(/^\./, ''));
  const unknown = extensions.filter((e) => !SUPPORTED_EXTENSIONS.includes(e));
  if (unknown.length) {
    throw new ConvkitUsageError(
      `flowFromDirectory: unsupported extension(s) ${unknown.map((e) => `'${e}'`).join(', ')}; it can read ${SUPPORTED_EXTENSIONS.join(', ')}.`,
    );
  }
  if (!existsSync(directory))
    throw new ConvkitUsageError(`flowFromDirectory: folder ${directory} does not exist.`);
  if (!statSync(directory).isDirectory()) {
    throw new ConvkitUsageError(
      `flowFromDirectory: ${directory} is a file; pass the folder that holds one subfolder per class.`,
    );
  }
  const top = readdirSync(directory, { withFileTypes: true });
  let classNames: string[];
  if (options.classes && options.classes.length > 0) {
    classNames = [...options.classes];
    const missing = classNames.filter((c) => !isDirectory(join(directory, c)));
    if (missing.length) {
      throw new ConvkitUsageError(
        `flowFromDirectory: class folder(s) ${missing.join(', ')} not found in ${directory} (it has: ${subfolders(directory, top).join(', ') || 'no subfolders'}).`,
      );
    }
  } else {
    classNames = subfolders(directory, top);
    if (classNames.length === 0) {
      const files = top.filter((e) => !isDirectory(join(directory, e.name))).length;
      throw new ConvkitUsageError(
        `flowFromDirectory: ${directory} has no class subfolders${files ? ` (it holds ${files} file(s) directly)` : ' (it is empty)'}; put the images of each class in their own subfolder, e.g. ${join(directory, 'cats')} and ${join(directory, 'dogs')}.`,
      );
    }
  }
  const allowed = new Set(extensions.map((e) => `.${e}`));
  const ignored: Record<string, number> = {};
  const filenames: string[] = [];
  const labels: number[] = [];
  classNames.forEach((name, index) => {
    const classDir = join(directory, name);
    const files: string[] = [];
    for (const file of walk(classDir, followLinks)) {
      const ext = extname(file).toLowerCase();
      if (allowed.has(ext)) files.push(file);
      else ignored[ext] = (ignored[ext] ?? 0) + 1;
    }
    const kept = split
      ? files.slice(Math.floor(split[0] * files.length), Math.floor(split[1] * files.length))
      : files;
    for (const file of kept) {
      filenames.push(join(name, relative(classDir, file)));
      labels.push(index);
    }
  });
  if (filenames.length === 0 && !split) {
    const seen = Object.entries(ignored)
      .map(([ext, n]) => `${n} '${ext || '(no extension)'}'`)
      .join(', ');
    throw new ConvkitUsageError(
      `flowFromDirectory: no images in the class folders of ${directory} (${classNames.join(', ')}): expected files ending in ${[...allowed].join(', ')}${seen ? `; found only ${seen} file(s), which are unsupported or excluded` : '; the folders are empty'}.`,
    );
  }
  return { classNames, filenames, classes: Int32Array.from(labels), ignored };
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function subfolders(directory: string, entries: Dirent[]): string[] {
  return entries
    .filter((e) => e.isDirectory() || (e.isSymbolicLink() && isDirectory(join(directory, e.name))))
    .map((e) => e.name)
    .sort();
}

/** os.walk order: folders sorted by path, files in each sorted by name. */
function walk(root: string, followLinks: boolean): string[] {
  const folders: string[] = [];
  const filesOf = new Map<string, string[]>();
  const visited = new Set<string>();
  const visit = (dir: string) => {
    const real = realpathSync(dir);
    if (visited.has(real)) return;
    visited.add(real);
    folders.push(dir);
    const files: string[] = [];
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) visit(path);
      else if (entry.isSymbolicLink() && isDirectory(path)) {
        if (followLinks) visit(path);
      } else files.push(entry.name);
    }
    filesOf.set(dir, files.sort());
  };
  visit(root);
  folders.sort();
  return folders.flatMap((dir) => (filesOf.get(dir) ?? []).map((f) => join(dir, f)));
}
