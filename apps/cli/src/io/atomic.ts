import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { CliUsageError } from '../errors';

/** Writes a file through a temporary name in the same folder, then renames it into place. */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await writeFile(tmp, data);
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
}

/** True when `path` exists and is a folder with something in it (or is a file). */
export function isOccupied(path: string): boolean {
  if (!existsSync(path)) return false;
  return !statSync(path).isDirectory() || readdirSync(path).length > 0;
}

/** Throws the CLI's one-line error when `path` holds something and --force was not given. */
export function refuseToClobber(path: string, force: boolean | undefined): void {
  if (!force && isOccupied(path)) {
    throw new CliUsageError(
      `Output folder ${path} already exists and is not empty. Pass --force to replace it, or --out to write elsewhere.`,
    );
  }
}

/**
 * An output folder built under a temporary sibling name and moved into place only when
 * complete (`commit`), so a crash or Ctrl-C never leaves a half-written report where the old
 * one was. With `force`, an existing folder is replaced at commit time (and only then).
 */
export class StagedDir {
  /** Where files are written until commit. */
  readonly dir: string;
  readonly target: string;
  private done = false;

  constructor(target: string, { force = false }: { force?: boolean } = {}) {
    this.target = resolve(target);
    refuseToClobber(this.target, force);
    mkdirSync(dirname(this.target), { recursive: true });
    this.dir = join(dirname(this.target), `.${basename(this.target)}.partial-${process.pid}`);
    rmSync(this.dir, { recursive: true, force: true });
    mkdirSync(this.dir, { recursive: true });
  }

  /** A path inside the staging folder. */
  path(...parts: string[]): string {
    return join(this.dir, ...parts);
  }

  /** Moves the finished folder into place (replacing the old one, which --force allowed). */
  commit(): void {
    if (this.done) return;
    const old = join(dirname(this.target), `.${basename(this.target)}.old-${process.pid}`);
    const hadOld = existsSync(this.target);
    if (hadOld) renameSync(this.target, old);
    try {
      renameSync(this.dir, this.target);
    } catch (error) {
      if (hadOld) renameSync(old, this.target);
      throw error;
    }
    if (hadOld) rmSync(old, { recursive: true, force: true });
    this.done = true;
  }

  /** Removes the staging folder (after a failure); the target is untouched. */
  abort(): void {
    if (this.done) return;
    rmSync(this.dir, { recursive: true, force: true });
    this.done = true;
  }
}
