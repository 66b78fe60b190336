import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { type IdxArray, IdxFormatError, isGzip, parseIdx } from './idx';

/** Where Debian's `dataset-fashion-mnist` package puts the Fashion-MNIST IDX files. */
export const DEFAULT_FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

/** Reads an IDX file from disk, plain or gzipped. Errors name the file. */
export async function readIdxFile(path: string): Promise<IdxArray> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new Error(`IDX file not found: ${path}`, { cause: error });
    throw new Error(`Cannot read IDX file ${path}: ${(error as Error).message}`, { cause: error });
  }
  if (isGzip(bytes)) {
    try {
      bytes = gunzipSync(bytes);
    } catch (error) {
      throw new IdxFormatError(`${path} is not a valid gzip file (${(error as Error).message}).`, {
        cause: error,
      });
    }
  }
  return parseIdx(bytes, path);
}

/** One split of an MNIST-style data set: images [n, rows, cols] uint8 and labels [n] uint8. */
export interface IdxSplit {
  images: IdxArray;
  labels: IdxArray;
}

/** Fashion-MNIST as read from its four IDX files. */
export interface FashionMnist {
  /** 60,000 training images (28x28, uint8 0..255) and their labels 0..9. */
  train: IdxSplit;
  /** 10,000 test images and their labels. */
  test: IdxSplit;
}

/**
 * Reads Fashion-MNIST (or MNIST: same file names) from `dir`, default
 * /usr/share/datasets/fashion-mnist (Debian's `dataset-fashion-mnist`). Each file may be plain
 * or gzipped (`.gz`). A missing file gets an error naming it and the fix.
 */
export async function loadFashionMnist(dir: string = DEFAULT_FASHION_MNIST_DIR): Promise<FashionMnist> {
  const [trainImages, trainLabels, testImages, testLabels] = await Promise.all(
    [
      'train-images-idx3-ubyte',
      'train-labels-idx1-ubyte',
      't10k-images-idx3-ubyte',
      't10k-labels-idx1-ubyte',
    ].map((base) => readIdxFile(findIdx(dir, base))),
  );
  return {
    train: checkSplit(dir, 'train', trainImages, trainLabels),
    test: checkSplit(dir, 't10k', testImages, testLabels),
  };
}

function findIdx(dir: string, base: string): string {
  for (const name of [`${base}.gz`, base]) {
    const path = join(dir, name);
    if (existsSync(path)) return path;
  }
  throw new Error(
    `Fashion-MNIST file missing: neither ${join(dir, base)}.gz nor ${join(dir, base)} exists. ` +
      `Install Debian's dataset-fashion-mnist package (files in ${DEFAULT_FASHION_MNIST_DIR}) ` +
      `or pass the folder that holds the four IDX files.`,
  );
}

function checkSplit(dir: string, prefix: string, images: IdxArray, labels: IdxArray): IdxSplit {
  if (images.shape.length !== 3 || images.dtype !== 'uint8') {
    throw new IdxFormatError(
      `${join(dir, prefix)}-images: expected uint8 images of shape [n, rows, cols], ` +
        `found ${images.dtype} of shape [${images.shape.join(', ')}].`,
    );
  }
  if (labels.shape.length !== 1 || labels.shape[0] !== images.shape[0]) {
    throw new IdxFormatError(
      `${join(dir, prefix)}-labels: expected ${images.shape[0]} labels (one per image), ` +
        `found shape [${labels.shape.join(', ')}].`,
    );
  }
  return { images, labels };
}
