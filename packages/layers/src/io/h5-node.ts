import { open } from 'node:fs/promises';
import { ModelFormatError } from './errors';
import { H5File, type H5Runtime, isHdf5 } from './h5';
import { type KerasLayerWeights, readKerasWeights } from './keras-weights';

let nodeRuntime: Promise<H5Runtime> | undefined;

/** Loads h5wasm's node build once; it reads files straight from disk (NODERAWFS). */
async function loadNodeRuntime(): Promise<H5Runtime> {
  nodeRuntime ??= import('h5wasm/node').then(async (mod) => {
    const module = await mod.ready;
    return { File: mod.File, Module: module } as unknown as H5Runtime;
  });
  return nodeRuntime;
}

/**
 * Opens an HDF5 file on disk for reading (node). Datasets are read from disk when asked for,
 * so a 500 MB weights file is not loaded whole. Close it when done. Errors name the path.
 */
export async function openH5File(path: string): Promise<H5File> {
  const head = await readHead(path);
  if (!isHdf5(head)) {
    throw new ModelFormatError(
      `${path} is not an HDF5 file (no HDF5 signature at its start). Expected a Keras .h5 file.`,
    );
  }
  const runtime = await loadNodeRuntime();
  let handle: InstanceType<H5Runtime['File']>;
  try {
    handle = new runtime.File(path, 'r');
  } catch (error) {
    throw new ModelFormatError(`${path} could not be opened as HDF5: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return new H5File(path, runtime, handle);
}

/** Reads a Keras weights file (save_weights layout, or a full model's model_weights) from disk. */
export async function readKerasWeightsFile(path: string): Promise<KerasLayerWeights[]> {
  const file = await openH5File(path);
  try {
    return readKerasWeights(file);
  } finally {
    file.close();
  }
}

async function readHead(path: string): Promise<Uint8Array> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new Error(`HDF5 file not found: ${path}`, { cause: error });
    if (code === 'EISDIR') throw new Error(`${path} is a folder; expected an HDF5 (.h5) file.`);
    throw new Error(`Cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
  try {
    const buffer = new Uint8Array(1032);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}
