import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { DataSplitError } from './errors';
import { IMAGE_EXTENSIONS } from './image-check';
import { naturalCompare, sortNaturally } from './natural-sort';

/**
 * How a source folder labels its images: `flat` is one folder of files named `<class>.<rest>.<ext>`
 * (Kaggle's `cat.0.jpg`, `dog.12.jpg`); `folders` is one subfolder per class.
 */
export type SourceLayout = 'flat' | 'folders';

/** One image found in the source: its path relative to the source root, with `/` separators. */
export interface SourceImage {
  relative: string;
}

/** What a scan of the source found: the layout, the images of each class, and what it ignored. */
export interface SourceScan {
  layout: SourceLayout;
  /** Class name -> its images, both in natural order. */
  classes: Map<string, SourceImage[]>;
  /** Relative paths of files that are not images (by extension) or are hidden; never read or copied. */
  ignored: string[];
}

const SPLIT_FOLDER_NAMES = new Set(['train', 'validation', 'test']);

/** True when a file name has an image extension (case-insensitive). */
export function isImageName(name: string): boolean {
  return IMAGE_EXTENSIONS.includes(extname(name).toLowerCase());
}

/** The class of a flat-layout file name: the part before the first dot, or null if the name has no `<class>.<rest>.<ext>` shape. */
export function flatClassOf(name: string): string | null {
  const stem = name.slice(0, name.length - extname(name).length);
  const dot = stem.indexOf('.');
  if (dot <= 0) return null;
  return stem.slice(0, dot);
}

/**
 * Lists the source folder and works out its layout (or checks the one asked for). Throws a
 * DataSplitError saying why when the folder fits neither layout.
 */
export async function scanSource(root: string, wanted: 'auto' | SourceLayout): Promise<SourceScan> {
  const top = await listFolder(root);
  const ignored = top.others.map((o) => o);
  let layout: SourceLayout;
  if (wanted !== 'auto') layout = wanted;
  else if (top.images.length > 0 && top.folders.length === 0) layout = 'flat';
  else if (top.images.length === 0 && top.folders.length > 0) layout = 'folders';
  else if (top.images.length > 0) {
    throw new DataSplitError(
      'layout',
      `The source folder ${root} fits neither layout: it holds ${top.images.length} image file(s) (such as ` +
        `${top.images[0]}) and ${top.folders.length} subfolder(s) (such as ${top.folders[0]}/) side by side. ` +
        `Use either a flat folder of files named <class>.<anything>.<ext> (like Kaggle's cat.0.jpg) or one ` +
        `subfolder per class with no loose images; or pass layout: 'flat' or 'folders' to use one kind and ignore the other.`,
    );
  } else {
    throw new DataSplitError(
      'layout',
      `The source folder ${root} holds no images: no ${IMAGE_EXTENSIONS.join('/')} files and no class subfolders` +
        (top.others.length
          ? ` (it has ${top.others.length} other file(s), such as ${top.others[0]}).`
          : '.') +
        ' Point source at the folder that holds the images.',
    );
  }

  const classes = new Map<string, SourceImage[]>();
  if (layout === 'flat') {
    ignored.push(...top.folders.map((f) => `${f}/`));
    const unnamed: string[] = [];
    for (const name of top.images) {
      const cls = flatClassOf(name);
      if (cls === null) {
        unnamed.push(name);
        continue;
      }
      let list = classes.get(cls);
      if (!list) classes.set(cls, (list = []));
      list.push({ relative: name });
    }
    if (unnamed.length) {
      throw new DataSplitError(
        'layout',
        `The source folder ${root} looks like a flat folder, but ${unnamed.length} image name(s) do not say their ` +
          `class. In a flat folder every image is named <class>.<anything>.<ext> (cat.0.jpg: class 'cat'). ` +
          'Rename these, or move each class into its own subfolder:',
        unnamed,
      );
    }
    if (classes.size === 0) {
      throw new DataSplitError(
        'layout',
        `The source folder ${root} has no images at its top level (layout 'flat').`,
      );
    }
  } else {
    ignored.push(...top.images);
    if (wanted === 'auto' && top.folders.every((f) => SPLIT_FOLDER_NAMES.has(f))) {
      throw new DataSplitError(
        'layout',
        `The source folder ${root} looks like an already split data set (its only subfolders are ` +
          `${top.folders.join(', ')}). Point source at the original images, or pass layout: 'folders' if ` +
          `${top.folders.join(', ')} really are class names.`,
      );
    }
    for (const folder of top.folders) {
      const images: SourceImage[] = [];
      await walkClassFolder(join(root, folder), folder, images, ignored);
      classes.set(folder, images);
    }
    if (classes.size === 0) {
      throw new DataSplitError(
        'layout',
        `The source folder ${root} has no class subfolders (layout 'folders').`,
      );
    }
  }
  for (const list of classes.values()) sortNaturally(list, (image) => image.relative);
  sortNaturally(ignored, (name) => name);
  return { layout, classes: sortedMap(classes), ignored };
}

interface FolderListing {
  images: string[];
  folders: string[];
  others: string[];
}

async function listFolder(dir: string): Promise<FolderListing> {
  const entries = await readdir(dir, { withFileTypes: true });
  const out: FolderListing = { images: [], folders: [], others: [] };
  for (const entry of entries) {
    const kind = await kindOf(dir, entry);
    if (entry.name.startsWith('.')) out.others.push(kind === 'folder' ? `${entry.name}/` : entry.name);
    else if (kind === 'folder') out.folders.push(entry.name);
    else if (kind === 'file' && isImageName(entry.name)) out.images.push(entry.name);
    else out.others.push(entry.name);
  }
  sortNaturally(out.images, (name) => name);
  sortNaturally(out.folders, (name) => name);
  return out;
}

/** Files and folders; a symbolic link counts as what it points to, except that links to folders are not followed (no cycles). */
async function kindOf(dir: string, entry: Dirent): Promise<'file' | 'folder' | 'other'> {
  if (entry.isDirectory()) return 'folder';
  if (entry.isFile()) return 'file';
  if (entry.isSymbolicLink()) {
    try {
      const s = await stat(join(dir, entry.name));
      return s.isFile() ? 'file' : 'other';
    } catch {
      return 'other';
    }
  }
  return 'other';
}

async function walkClassFolder(dir: string, relative: string, images: SourceImage[], ignored: string[]) {
  const listing = await listFolder(dir);
  for (const name of listing.images) images.push({ relative: `${relative}/${name}` });
  for (const name of listing.others) ignored.push(`${relative}/${name}`);
  for (const sub of listing.folders)
    await walkClassFolder(join(dir, sub), `${relative}/${sub}`, images, ignored);
}

function sortedMap<V>(map: Map<string, V>): Map<string, V> {
  return new Map([...map.entries()].sort(([a], [b]) => naturalCompare(a, b)));
}
