/**
 * A tfjs IOHandler for a folder on disk (node): model.json plus weight shards
 * group1-shard1ofN.bin (4 MiB each by default, as tfjs-converter writes them). Saving is
 * atomic: everything is written into a temporary sibling folder that is then renamed into
 * place, and an existing folder is only replaced when asked to.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { ModelFormatError } from './errors';

/** tfjs-converter's default weight shard size: 4 MiB. */
export const DEFAULT_SHARD_SIZE_BYTES = 4 * 1024 * 1024;

/** Options of `folderHandler`. */
export interface FolderHandlerOptions {
  /** Replace an existing folder when saving (default false: saving into one throws). */
  overwrite?: boolean;
  /** Bytes per weight shard (default 4 MiB). */
  shardSizeBytes?: number;
}

/** Turns a file:// URL or a path into an absolute path. */
export function toPath(pathOrUrl: string): string {
  return resolve(pathOrUrl.startsWith('file://') ? fileURLToPath(pathOrUrl) : pathOrUrl);
}

/**
 * An IOHandler that saves into the folder `path` and loads from it (or from a model.json
 * path). Pass it to saveModel/loadModel, or to tfjs-layers' model.save / tf.loadLayersModel.
 */
export function folderHandler(pathOrUrl: string, opts: FolderHandlerOptions = {}): tf.io.IOHandler {
  const path = toPath(pathOrUrl);
  return {
    save: (artifacts) => saveToFolder(path, artifacts, opts),
    load: () => loadFromFolder(path),
  };
}

async function saveToFolder(
  dir: string,
  artifacts: tf.io.ModelArtifacts,
  opts: FolderHandlerOptions,
): Promise<tf.io.SaveResult> {
  const shardSize = opts.shardSizeBytes ?? DEFAULT_SHARD_SIZE_BYTES;
  if (!Number.isInteger(shardSize) || shardSize <= 0) {
    throw new ModelFormatError(`shardSizeBytes must be a positive integer; found ${shardSize}.`);
  }
  if (artifacts.modelTopology instanceof ArrayBuffer) {
    throw new ModelFormatError('Saving a binary (graph) model topology to a folder is not supported.');
  }
  const existing = await statOrNull(dir);
  if (existing && !existing.isDirectory()) {
    throw new ModelFormatError(`Cannot save the model to ${dir}: it is a file, not a folder.`);
  }
  if (existing && !opts.overwrite) {
    throw new ModelFormatError(
      `Cannot save the model to ${dir}: the folder already exists. Pass { overwrite: true } to replace it, ` +
        `or choose another folder.`,
    );
  }
  await mkdir(dirname(dir), { recursive: true });
  const temp = await mkdtemp(join(dirname(dir), `.${basename(dir)}.tmp-`));
  try {
    const weightData = artifacts.weightData ?? new ArrayBuffer(0);
    const bytes = new Uint8Array(tf.io.CompositeArrayBuffer.join(weightData));
    const count = Math.ceil(bytes.byteLength / shardSize);
    const paths: string[] = [];
    for (let i = 0; i < count; i++) {
      const name = `group1-shard${i + 1}of${count}.bin`;
      await writeFile(join(temp, name), bytes.subarray(i * shardSize, (i + 1) * shardSize));
      paths.push(name);
    }
    const modelJson: tf.io.ModelJSON = {
      modelTopology: artifacts.modelTopology ?? {},
      format: artifacts.format,
      generatedBy: artifacts.generatedBy,
      convertedBy: artifacts.convertedBy ?? null,
      weightsManifest: [{ paths, weights: artifacts.weightSpecs ?? [] }],
    };
    if (artifacts.trainingConfig) modelJson.trainingConfig = artifacts.trainingConfig;
    if (artifacts.userDefinedMetadata) modelJson.userDefinedMetadata = artifacts.userDefinedMetadata;
    if (artifacts.signature) modelJson.signature = artifacts.signature;
    await writeFile(join(temp, 'model.json'), JSON.stringify(modelJson));
    await moveIntoPlace(temp, dir, !!opts.overwrite);
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    throw error;
  }
  return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
}

/** Renames `temp` to `dir`; when replacing, the old folder is kept until the new one is in place. */
async function moveIntoPlace(temp: string, dir: string, overwrite: boolean): Promise<void> {
  if (!overwrite || !existsSync(dir)) {
    try {
      await rename(temp, dir);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOTEMPTY' || code === 'EEXIST') {
        throw new ModelFormatError(
          `Cannot save the model to ${dir}: the folder appeared while saving. Pass { overwrite: true } to replace it.`,
          { cause: error },
        );
      }
      throw error;
    }
    return;
  }
  const old = `${temp}.old`;
  await rename(dir, old);
  try {
    await rename(temp, dir);
  } catch (error) {
    await rename(old, dir); // put the previous model back
    throw error;
  }
  await rm(old, { recursive: true, force: true });
}

async function loadFromFolder(path: string): Promise<tf.io.ModelArtifacts> {
  const info = await statOrNull(path);
  if (!info) throw new ModelFormatError(`Cannot load a model from ${path}: no such file or folder.`);
  const jsonPath = info.isDirectory() ? join(path, 'model.json') : path;
  if (info.isDirectory() && !existsSync(jsonPath)) {
    throw new ModelFormatError(`Cannot load a model from ${path}: the folder has no model.json.`);
  }
  let modelJson: tf.io.ModelJSON;
  try {
    modelJson = JSON.parse(await readFile(jsonPath, 'utf8'));
  } catch (error) {
    throw new ModelFormatError(`${jsonPath} is not valid JSON (${(error as Error).message}).`, {
      cause: error,
    });
  }
  if (!modelJson || typeof modelJson !== 'object' || !modelJson.modelTopology) {
    throw new ModelFormatError(
      `${jsonPath} is not a TensorFlow.js model.json: expected 'modelTopology' and 'weightsManifest', found ` +
        `${modelJson && typeof modelJson === 'object' ? `keys ${Object.keys(modelJson).join(', ')}` : typeof modelJson}.`,
    );
  }
  const folder = dirname(jsonPath);
  return tf.io.getModelArtifactsForJSON(modelJson, async (manifest) => {
    const specs: tf.io.WeightsManifestEntry[] = [];
    const buffers: ArrayBuffer[] = [];
    for (const group of manifest) {
      specs.push(...group.weights);
      for (const shard of group.paths) {
        const shardPath = join(folder, shard);
        let bytes: Buffer;
        try {
          bytes = await readFile(shardPath);
        } catch (error) {
          throw new ModelFormatError(
            `${jsonPath} lists weight shard ${shard}, but ${shardPath} cannot be read ` +
              `(${(error as NodeJS.ErrnoException).code ?? (error as Error).message}).`,
            { cause: error },
          );
        }
        buffers.push(
          bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer,
        );
      }
    }
    return [specs, tf.io.concatenateArrayBuffers(buffers)];
  });
}

async function statOrNull(path: string) {
  try {
    return await stat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}
