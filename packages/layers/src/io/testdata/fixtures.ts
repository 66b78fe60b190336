/**
 * Test helper: writes the Keras-layout HDF5 fixtures (keras_h5_fixtures.py, through Debian's
 * /usr/bin/python3 with h5py and torch) once per script version into the OS temp folder, so
 * several test files share one generation. Not part of the package.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PYTHON = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('./keras_h5_fixtures.py', import.meta.url));

/** True when Debian's python with h5py and torch is there to write the fixtures. */
export const canWriteFixtures: boolean =
  existsSync(PYTHON) &&
  (() => {
    try {
      execFileSync(PYTHON, ['-c', 'import h5py, torch'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();

/** The folder holding the fixtures, generating them first when needed. */
export async function kerasFixtures(): Promise<string> {
  const hash = createHash('sha256').update(readFileSync(SCRIPT)).digest('hex').slice(0, 12);
  const dir = join(tmpdir(), `convkit-keras-fixtures-${hash}`);
  if (existsSync(join(dir, 'ok'))) return dir;
  const temp = await mkdtemp(`${dir}.tmp-`);
  execFileSync(PYTHON, [SCRIPT, temp, '--full-vgg16']);
  await writeFile(join(temp, 'ok'), '');
  try {
    await rename(temp, dir);
  } catch {
    // Another test process finished first; use its copy.
    await rm(temp, { recursive: true, force: true });
  }
  return dir;
}
