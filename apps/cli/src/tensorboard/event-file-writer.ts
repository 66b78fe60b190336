import { appendFileSync, mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { fileVersionEvent, scalarEvent } from './event';
import { tfrecordFrame } from './tfrecord';

let fileCounter = 0;

/**
 * Writes a TensorBoard event file (`events.out.tfevents.<time>.<host>.<pid>.<n>`) in `dir`:
 * the file_version record first, then one record per scalar, appended as they come so that
 * a running TensorBoard sees each epoch as soon as it ends.
 */
export class EventFileWriter {
  /** The event file's full path. */
  readonly path: string;

  constructor(dir: string, now: () => number = () => Date.now() / 1000) {
    this.now = now;
    mkdirSync(dir, { recursive: true });
    const seconds = Math.floor(now());
    this.path = join(dir, `events.out.tfevents.${seconds}.${hostname()}.${process.pid}.${fileCounter++}`);
    appendFileSync(this.path, tfrecordFrame(fileVersionEvent(now())), { flag: 'wx' });
  }

  private readonly now: () => number;

  /** Appends one scalar point (tag, value at step). */
  addScalar(tag: string, value: number, step: number): void {
    appendFileSync(this.path, tfrecordFrame(scalarEvent(tag, value, step, this.now())));
  }
}
