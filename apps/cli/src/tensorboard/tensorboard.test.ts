import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { crc32c, maskedCrc32c } from './crc32c';
import { EVENT_FILE_VERSION } from './event';
import { TensorBoardLogger } from './tensorboard-logger';

// An independent reader written from the TFRecord and protobuf specifications, not from the writer.
interface Field {
  field: number;
  wire: number;
  value: number | bigint | Uint8Array;
}

function readVarint(b: Uint8Array, pos: number): [bigint, number] {
  let result = 0n;
  let shift = 0n;
  for (;;) {
    const byte = b[pos++];
    result |= BigInt(byte & 0x7f) << shift;
    if (!(byte & 0x80)) return [result, pos];
    shift += 7n;
  }
}

function parseMessage(b: Uint8Array): Field[] {
  const fields: Field[] = [];
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let pos = 0;
  while (pos < b.length) {
    const [key, p] = readVarint(b, pos);
    pos = p;
    const field = Number(key >> 3n);
    const wire = Number(key & 7n);
    if (wire === 0) {
      const [v, q] = readVarint(b, pos);
      fields.push({ field, wire, value: v });
      pos = q;
    } else if (wire === 1) {
      fields.push({ field, wire, value: view.getFloat64(pos, true) });
      pos += 8;
    } else if (wire === 5) {
      fields.push({ field, wire, value: view.getFloat32(pos, true) });
      pos += 4;
    } else if (wire === 2) {
      const [len, q] = readVarint(b, pos);
      fields.push({ field, wire, value: b.subarray(q, q + Number(len)) });
      pos = q + Number(len);
    } else throw new Error(`unexpected wire type ${wire}`);
  }
  return fields;
}

function readRecords(path: string): Uint8Array[] {
  const buf = new Uint8Array(readFileSync(path));
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const records: Uint8Array[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const length = Number(view.getBigUint64(pos, true));
    expect(view.getUint32(pos + 8, true)).toBe(maskedCrc32c(buf.subarray(pos, pos + 8)));
    const data = buf.subarray(pos + 12, pos + 12 + length);
    expect(data.length).toBe(length);
    expect(view.getUint32(pos + 12 + length, true)).toBe(maskedCrc32c(data));
    records.push(data);
    pos += 12 + length + 4;
  }
  expect(pos).toBe(buf.length);
  return records;
}

const get = (fields: Field[], n: number) => fields.find((f) => f.field === n)?.value;
const text = (v: unknown) => new TextDecoder().decode(v as Uint8Array);

describe('CRC-32C', () => {
  it('matches the standard check values (RFC 3720 B.4 and the "123456789" check)', () => {
    expect(crc32c(new TextEncoder().encode('123456789'))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i))).toBe(0x46dd794e);
  });

  it('masks as TensorFlow does (rotate right 15, add 0xa282ead8)', () => {
    const crc = 0xe3069283;
    const expected = (((crc >>> 15) | ((crc << 17) >>> 0)) + 0xa282ead8) % 2 ** 32;
    expect(maskedCrc32c(new TextEncoder().encode('123456789'))).toBe(expected);
  });
});

describe('TensorBoardLogger', () => {
  const dir = mkdtempSync(join(tmpdir(), 'convkit-tb-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes Keras-style train/ and validation/ event files that read back record by record', () => {
    const logger = new TensorBoardLogger(dir);
    const epochs = [
      { loss: 0.69, acc: 0.52, val_loss: 0.68, val_acc: 0.55 },
      { loss: 0.51, acc: 0.75, val_loss: 0.6, val_acc: 0.7 },
      { loss: 0.32, acc: 0.88, val_loss: 0.65, val_acc: 0.72 },
    ];
    for (const [epoch, logs] of epochs.entries()) logger.onEpochEnd(epoch, logs);
    expect(readdirSync(dir).sort()).toEqual(['train', 'validation']);

    for (const [run, prefix] of [
      ['train', ''],
      ['validation', 'val_'],
    ] as const) {
      const files = readdirSync(join(dir, run));
      expect(files).toHaveLength(1);
      expect(files[0]).toMatch(/^events\.out\.tfevents\.\d{10}\./);
      const records = readRecords(join(dir, run, files[0])).map(parseMessage);
      expect(records).toHaveLength(1 + 2 * epochs.length);
      expect(text(get(records[0], 3))).toBe(EVENT_FILE_VERSION);
      const wallTime = get(records[0], 1) as number;
      expect(Math.abs(wallTime - Date.now() / 1000)).toBeLessThan(60);
      const points = records.slice(1).map((event) => {
        const summary = parseMessage(get(event, 5) as Uint8Array);
        const value = parseMessage(get(summary, 1) as Uint8Array);
        return {
          step: Number(get(event, 2) ?? 0n),
          tag: text(get(value, 1)),
          value: get(value, 2) as number,
        };
      });
      const expected = epochs.flatMap((logs, step) => [
        { step, tag: 'epoch_loss', value: Math.fround(logs[`${prefix}loss` as keyof typeof logs]) },
        { step, tag: 'epoch_acc', value: Math.fround(logs[`${prefix}acc` as keyof typeof logs]) },
      ]);
      expect(points).toEqual(expected);
    }
  });

  it('a corrupted byte breaks the data CRC (the check can fail)', () => {
    const file = join(dir, 'train', readdirSync(join(dir, 'train'))[0]);
    const buf = new Uint8Array(readFileSync(file));
    buf[14] ^= 1;
    const length = Number(new DataView(buf.buffer).getBigUint64(0, true));
    expect(new DataView(buf.buffer).getUint32(12 + length, true)).not.toBe(
      maskedCrc32c(buf.subarray(12, 12 + length)),
    );
  });
});
