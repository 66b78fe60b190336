import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataSplitError } from './errors';
import { flatClassOf, scanSource } from './layout';
import { jpegBytes, makeFlatSource, makeFolderSource, pngBytes } from './test-images';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'convkit-layout-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('flatClassOf', () => {
  it('takes the part before the first dot of <class>.<rest>.<ext>', () => {
    expect(flatClassOf('cat.0.jpg')).toBe('cat');
    expect(flatClassOf('dog.12.JPG')).toBe('dog');
    expect(flatClassOf('golden.retriever.3.png')).toBe('golden');
    expect(flatClassOf('cat.jpg')).toBeNull();
    expect(flatClassOf('.cat.1.jpg')).toBeNull();
  });
});

describe('scanSource', () => {
  it('detects a flat Kaggle folder, sorts naturally and ignores non-images', async () => {
    const dir = join(root, 'flat');
    await makeFlatSource(dir, { cat: 12, dog: 3 });
    await writeFile(join(dir, 'README.txt'), 'hi');
    await writeFile(join(dir, '.DS_Store'), 'x');
    const scan = await scanSource(dir, 'auto');
    expect(scan.layout).toBe('flat');
    expect([...scan.classes.keys()]).toEqual(['cat', 'dog']);
    expect(
      scan.classes
        .get('cat')!
        .map((f) => f.relative)
        .slice(0, 3),
    ).toEqual(['cat.0.jpg', 'cat.1.jpg', 'cat.2.jpg']);
    expect(scan.classes.get('cat')![10].relative).toBe('cat.10.jpg');
    expect(scan.ignored).toEqual(['.DS_Store', 'README.txt']);
  });

  it('detects one folder per class, walking nested folders, ignoring loose non-images', async () => {
    const dir = join(root, 'folders');
    await makeFolderSource(dir, { dogs: 2, cats: 3 });
    await mkdir(join(dir, 'cats', 'more'));
    await writeFile(join(dir, 'cats', 'more', 'x.png'), pngBytes(9));
    await writeFile(join(dir, 'cats', 'notes.txt'), '');
    await writeFile(join(dir, 'LICENSE'), '');
    const scan = await scanSource(dir, 'auto');
    expect(scan.layout).toBe('folders');
    expect([...scan.classes.keys()]).toEqual(['cats', 'dogs']);
    expect(scan.classes.get('cats')!.map((f) => f.relative)).toEqual([
      'cats/img0.png',
      'cats/img1.png',
      'cats/img2.png',
      'cats/more/x.png',
    ]);
    expect(scan.ignored).toEqual(['LICENSE', 'cats/notes.txt']);
  });

  it('follows symbolic links to files but not to folders', async () => {
    const dir = join(root, 'links');
    await makeFlatSource(join(root, 'link-target'), { cat: 1 });
    await mkdir(dir);
    await symlink(join(root, 'link-target', 'cat.0.jpg'), join(dir, 'cat.5.jpg'));
    await symlink(join(root, 'link-target'), join(dir, 'elsewhere'));
    const scan = await scanSource(dir, 'auto');
    expect(scan.layout).toBe('flat');
    expect(scan.classes.get('cat')!.map((f) => f.relative)).toEqual(['cat.5.jpg']);
    expect(scan.ignored).toEqual(['elsewhere']);
  });

  it('says why a folder fits neither layout', async () => {
    const mixed = join(root, 'mixed');
    await makeFolderSource(mixed, { cats: 1 });
    await writeFile(join(mixed, 'dog.1.jpg'), jpegBytes('d'));
    await expect(scanSource(mixed, 'auto')).rejects.toThrow(
      /fits neither layout: it holds 1 image file\(s\) \(such as dog.1.jpg\) and 1 subfolder\(s\) \(such as cats\/\)/,
    );
    // Forcing a layout uses one kind and ignores the other.
    expect((await scanSource(mixed, 'folders')).ignored).toContain('dog.1.jpg');
    expect([...(await scanSource(mixed, 'flat')).classes.keys()]).toEqual(['dog']);

    const empty = join(root, 'empty');
    await mkdir(empty);
    await writeFile(join(empty, 'notes.txt'), '');
    await expect(scanSource(empty, 'auto')).rejects.toThrow(/holds no images.*such as notes.txt/);

    const unnamed = join(root, 'unnamed');
    await mkdir(unnamed);
    await writeFile(join(unnamed, 'cat.1.jpg'), jpegBytes('1'));
    await writeFile(join(unnamed, 'photo.jpg'), jpegBytes('2'));
    const err = await scanSource(unnamed, 'auto').catch((e) => e);
    expect(err).toBeInstanceOf(DataSplitError);
    expect(err.code).toBe('layout');
    expect(err.problems).toEqual(['photo.jpg']);
    expect(err.message).toMatch(/do not say their class.*<class>.<anything>.<ext>/s);
  });

  it('refuses an already split folder unless layout is forced', async () => {
    const dir = join(root, 'already');
    await makeFolderSource(join(dir, 'train'), { cats: 1 });
    await makeFolderSource(join(dir, 'validation'), { cats: 1 });
    await expect(scanSource(dir, 'auto')).rejects.toThrow(/looks like an already split data set/);
    expect([...(await scanSource(dir, 'folders')).classes.keys()]).toEqual(['train', 'validation']);
  });
});
