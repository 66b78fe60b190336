// Node-only: vgg16() with 'imagenet' (Keras cache or download) and file paths. Re-exported by node.ts.

import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Sequential } from '@convkit/layers';
import { folderHandler, openH5File } from '@convkit/layers/node';
import {
  buildAndLoad,
  checkImagenetOptions,
  loadConverted,
  type Vgg16Options,
  vgg16 as vgg16Browser,
} from './vgg16';
import { type ResolveWeightsOptions, resolveVgg16Weights } from './weights-cache';

/** Options of the node {@link vgg16}: the browser options, plus how to find or download the file. */
export interface NodeVgg16Options extends Vgg16Options {
  /** How 'imagenet' or a URL is resolved: cache folder, mirror, progress, md5 (see resolveVgg16Weights). */
  download?: Omit<ResolveWeightsOptions, 'includeTop' | 'weights'>;
}

/**
 * Keras's `VGG16(...)` in node: `weights` is 'imagenet' (default; Keras's file from
 * `~/.keras/models` or `$KERAS_HOME/models`, downloaded there with an md5 check when missing),
 * a path or URL of a Keras .h5 file, a folder or model.json path of converted weights
 * (convertVgg16Weights), null (random), or bytes. A .h5 file is read from disk one layer at a time.
 *
 * ```ts
 * const convBase = await vgg16({ weights: 'imagenet', includeTop: false, inputShape: [150, 150, 3] });
 * ```
 */
export async function vgg16(opts: NodeVgg16Options = {}): Promise<Sequential> {
  const weights = opts.weights === undefined ? 'imagenet' : opts.weights;
  if (typeof weights !== 'string') return vgg16Browser({ ...opts, weights });
  if (weights !== 'imagenet' && !/^https?:\/\//i.test(weights) && isConverted(weights)) {
    return loadConverted(opts, folderHandler(weights), weights);
  }
  const imagenet = weights === 'imagenet';
  if (imagenet) checkImagenetOptions(opts);
  const path = await resolveVgg16Weights({ ...opts.download, includeTop: opts.includeTop ?? true, weights });
  const file = await openH5File(path);
  try {
    return buildAndLoad(opts, file, imagenet);
  } finally {
    file.close();
  }
}

/** True for a model.json path or a folder holding one (weights converted to the tfjs format). */
function isConverted(path: string): boolean {
  if (path.endsWith('.json')) return true;
  return existsSync(path) && statSync(path).isDirectory() && existsSync(join(path, 'model.json'));
}
