import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { kerasModelsDir, VGG16_WEIGHTS_NOTOP, VGG16_WEIGHTS_TOP } from '@convkit/pretrained-vgg16/node';
import { CliUsageError } from '../errors';

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
