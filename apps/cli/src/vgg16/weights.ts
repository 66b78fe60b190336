import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { kerasWeightsGroup, type Sequential } from '@convkit/layers';
import { openH5File } from '@convkit/layers/node';
import {
  kerasModelsDir,
  VGG16_WEIGHTS_NOTOP,
  VGG16_WEIGHTS_TOP,
  vgg16,
} from '@convkit/pretrained-vgg16/node';
import { CliUsageError, isUserError } from '../errors';

/**
 * The VGG16 weights file to use: the one given with --weights (a Keras .h5 or a converted
 * folder), else Keras's file in the Keras cache. Never downloads: a missing file is a one-line
 * error that says how to get it.
 */
export function findVgg16Weights(includeTop: boolean, given?: string): string {
  if (given !== undefined) {
    if (!existsSync(given)) throw new CliUsageError(`VGG16 weights ${given} do not exist.`);
    return given;
  }
  const file = includeTop ? VGG16_WEIGHTS_TOP : VGG16_WEIGHTS_NOTOP;
  const path = join(kerasModelsDir(), file.fileName);
  if (!existsSync(path)) {
    throw new CliUsageError(
      `VGG16 weights not found: ${path}. Run 'convkit vgg16 download${includeTop ? ' --top' : ''}' (${(file.bytes / 1e6).toFixed(1)} MB from Keras's site), copy Keras's file there, or pass --weights PATH.`,
    );
  }
  return path;
}

/**
 * Loads VGG16 from a weights file, turning the package's errors about the file (wrong layout,
 * wrong variant, truncated) into one-line CLI errors. With the classifier, the input size is
 * read from the file (fc1's kernel: 224x224 for Keras's own file).
 */
export async function loadVgg16(
  weights: string,
  { includeTop, inputShape }: { includeTop: boolean; inputShape?: [number, number, number] },
): Promise<Sequential> {
  try {
    const shape = inputShape ?? (includeTop ? await topInputShape(weights) : undefined);
    return await vgg16({ weights, includeTop, inputShape: shape });
  } catch (error) {
    if (error instanceof Error && !isUserError(error) && error.message.includes(weights)) {
      throw new CliUsageError(error.message);
    }
    throw error;
  }
}

/** The input [side, side, 3] a VGG16 file with the classifier was made for, from fc1's kernel rows. */
async function topInputShape(weights: string): Promise<[number, number, number] | undefined> {
  if (!/\.(h5|hdf5)$/i.test(weights)) return undefined;
  const file = await openH5File(weights);
  try {
    const fc1 = kerasWeightsGroup(file).group('fc1');
    const names = fc1.stringListAttribute('weight_names') ?? [];
    const rows = names.length ? fc1.dataset(names[0]).shape[0] : 0;
    const side = 32 * Math.round(Math.sqrt(rows / 512));
    return side >= 32 ? [side, side, 3] : undefined;
  } catch {
    return undefined;
  } finally {
    file.close();
  }
}
