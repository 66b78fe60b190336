import type { Sequential } from '../model/sequential';
import type { H5File } from './h5';
import { openH5File } from './h5-node';
import { loadKerasModel as loadFromBytes } from './keras-model';

/**
 * Reads a Keras HDF5 model file (`model.save('x.h5')`, like the chapter's
 * cats_and_dogs_small_2.h5) from a path, bytes or an open H5File into a Sequential with its
 * weights. Errors name the file and say what was expected and found.
 */
export async function loadKerasModel(
  source: string | H5File | Uint8Array | ArrayBuffer,
): Promise<Sequential> {
  if (typeof source !== 'string') return loadFromBytes(source);
  const file = await openH5File(source);
  try {
    return await loadFromBytes(file);
  } finally {
    file.close();
  }
}
