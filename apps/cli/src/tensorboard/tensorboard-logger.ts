import { join } from 'node:path';
import { EventFileWriter } from './event-file-writer';

/**
 * What Keras's TensorBoard callback writes per epoch: `DIR/train` gets `epoch_<metric>` for
 * each training metric, `DIR/validation` the same tags for the `val_` metrics, so TensorBoard
 * draws training and validation as two runs on one chart. Steps are 0-based epoch numbers.
 */
export class TensorBoardLogger {
  private train?: EventFileWriter;
  private validation?: EventFileWriter;

  constructor(readonly logDir: string) {}

  /** Logs one epoch's metrics (for example { loss, acc, val_loss, val_acc }). */
  onEpochEnd(epoch: number, logs: Record<string, number>): void {
    for (const [name, value] of Object.entries(logs)) {
      if (typeof value !== 'number') continue;
      if (name.startsWith('val_')) {
        this.validation ??= new EventFileWriter(join(this.logDir, 'validation'));
        this.validation.addScalar(`epoch_${name.slice(4)}`, value, epoch);
      } else {
        this.train ??= new EventFileWriter(join(this.logDir, 'train'));
        this.train.addScalar(`epoch_${name}`, value, epoch);
      }
    }
  }

  /** The event files written so far. */
  files(): string[] {
    return [this.train?.path, this.validation?.path].filter((p): p is string => p !== undefined);
  }
}
