import { ProtoWriter } from './protobuf';

/** The file_version string TensorFlow writes first in every event file. */
export const EVENT_FILE_VERSION = 'brain.Event:2';

/** An Event proto holding only `file_version` (field 3), the first record of an event file. */
export function fileVersionEvent(wallTime: number): Uint8Array {
  return new ProtoWriter().double(1, wallTime).string(3, EVENT_FILE_VERSION).finish();
}

/**
 * An Event proto (wall_time = 1, step = 2, summary = 5) whose Summary holds one Value with
 * `tag` (field 1) and `simple_value` (field 2, float): a scalar point on a TensorBoard chart.
 */
export function scalarEvent(tag: string, value: number, step: number, wallTime: number): Uint8Array {
  const summaryValue = new ProtoWriter().string(1, tag).float(2, value).finish();
  const summary = new ProtoWriter().bytes(1, summaryValue).finish();
  return new ProtoWriter().double(1, wallTime).int64(2, step).bytes(5, summary).finish();
}
