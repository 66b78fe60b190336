import type { LoadImageOptions } from '@convkit/image-io';
import { readImage, writePng } from '@convkit/image-io/node';
import type { PixelImage } from '@convkit/tensor';
import { augmentedGrid, type GridOptions } from '../grid';
import { type GeneratorSettings, ImageDataGenerator } from '../image-data-generator';
import type { ImageDataGeneratorOptions } from '../options';
import { type DirectoryFlowOptions, DirectoryIterator } from './directory-iterator';

/** ImageDataGenerator with Keras's flowFromDirectory (node: reads files with sharp). */
export class NodeImageDataGenerator extends ImageDataGenerator {
  /**
   * Batches from a folder with one subfolder per class, as Keras's flow_from_directory:
   * endless, `length` batches per epoch, [x, y] tensors the consumer disposes.
   */
  flowFromDirectory(directory: string, options: DirectoryFlowOptions = {}): DirectoryIterator {
    return new DirectoryIterator(this, directory, options);
  }
}

/** Makes a Keras-style ImageDataGenerator with flowFromDirectory (node). */
export function imageDataGenerator(
  options: ImageDataGeneratorOptions = {},
  settings: GeneratorSettings = {},
): NodeImageDataGenerator {
  return new NodeImageDataGenerator(options, settings);
}

/**
 * Writes a PNG grid of `count` augmented versions of one image (a file path, read with
 * `load` options such as targetSize, or pixels), like the chapter's four augmented cats.
 * Returns the grid's pixels.
 */
export async function writeAugmentedGrid(
  path: string,
  image: string | PixelImage,
  generator: ImageDataGenerator,
  options: GridOptions & { load?: LoadImageOptions } = {},
): Promise<PixelImage> {
  const pixels = typeof image === 'string' ? await readImage(image, options.load) : image;
  const grid = await augmentedGrid(pixels, generator, options);
  await writePng(path, grid);
  return grid;
}
