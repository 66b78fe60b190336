// Test helpers (not exported from the package): tiny valid image files written by hand, and source folders.
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { sha256 } from './fs-utils';

// A 2x2 baseline JPEG and a 2x2 progressive JPEG (encoded once with sharp/libjpeg), and a 2x2 lossless WebP.
const JPEG_BASE64 =
  '/9j/2wBDAAMCAgMCAgMDAwMEAwMEBQgFBQQEBQoHBwYIDAoMDAsKCwsNDhIQDQ4RDgsLEBYQERMUFRUVDA8XGBYUGBIUFRT/2wBDAQMEBAUEBQkFBQkUDQsNFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBT/wAARCAACAAIDASIAAhEBAxEB/8QAFQABAQAAAAAAAAAAAAAAAAAAAAj/xAAcEAACAgMBAQAAAAAAAAAAAAABBAIDAAUHBhH/xAAVAQEBAAAAAAAAAAAAAAAAAAAHCf/EAB8RAAAEBwEAAAAAAAAAAAAAAAABAgUDBDQ1cnOxsv/aAAwDAQACEQMRAD8Aq/gPldK/wjnDLOnQYZu83rbLbrVYSnZMq1kykSPpJJJJOMYyfr1c5rYv0YHHGtjZK6Y//9k=';
const PROGRESSIVE_JPEG_BASE64 =
  '/9j/2wBDAAMCAgMCAgMDAwMEAwMEBQgFBQQEBQoHBwYIDAoMDAsKCwsNDhIQDQ4RDgsLEBYQERMUFRUVDA8XGBYUGBIUFRT/2wBDAQMEBAUEBQkFBQkUDQsNFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBT/wgARCAACAAIDASIAAhEBAxEB/8QAFQABAQAAAAAAAAAAAAAAAAAAAAf/xAAVAQEBAAAAAAAAAAAAAAAAAAAGCP/aAAwDAQACEAMQAAABq4n4b//EABcQAAMBAAAAAAAAAAAAAAAAAAIDBQT/2gAIAQEAAQUCgZUnC//EABkRAAEFAAAAAAAAAAAAAAAAAAABAgQzcf/aAAgBAwEBPwGRc/VP/8QAGhEAAAcAAAAAAAAAAAAAAAAAAAEDBDRysf/aAAgBAgEBPwF7JVsej//EABsQAAIBBQAAAAAAAAAAAAAAAAECAwAEBSIx/9oACAEBAAY/AsczQozG2jJJXuor/8QAFhABAQEAAAAAAAAAAAAAAAAAAQAx/9oACAEBAAE/IT8SlVbN/9oADAMBAAIAAwAAABD3/8QAFxEAAwEAAAAAAAAAAAAAAAAAAAFR8P/aAAgBAwEBPxDYrP/EABYRAAMAAAAAAAAAAAAAAAAAAABR8P/aAAgBAgEBPxCSx//EABYQAQEBAAAAAAAAAAAAAAAAAAEAEf/aAAgBAQABPxBH1Cqoomqqqt//2Q==';
const WEBP_BASE64 = 'UklGRiwAAABXRUJQVlA4TB8AAAAvAUAAAB8gEEjaH3qN+RcQFPk/2vwHXyTgBwgR/Q8BAA==';

/**
 * A valid JPEG made unique by `tag` (a COM segment right after SOI); `padTo` pads the comment so the
 * file is about that many bytes (at most ~65 kB), like a real photo's size.
 */
export function jpegBytes(tag = '', padTo = 0): Uint8Array {
  const base = Buffer.from(JPEG_BASE64, 'base64');
  if (tag === '' && padTo === 0) return base;
  const text = Buffer.from(tag.padEnd(Math.min(65000, Math.max(tag.length, padTo - base.length - 4)), '.'));
  const length = text.length + 2;
  const com = Buffer.concat([Buffer.from([0xff, 0xfe, length >> 8, length & 0xff]), text]);
  return Buffer.concat([base.subarray(0, 2), com, base.subarray(2)]);
}

/** A valid progressive JPEG (several scans). */
export function progressiveJpegBytes(): Uint8Array {
  return Buffer.from(PROGRESSIVE_JPEG_BASE64, 'base64');
}

/** A valid lossless WebP. */
export function webpBytes(): Uint8Array {
  return Buffer.from(WEBP_BASE64, 'base64');
}

/** A valid 8-bit RGB PNG of `width` x `height` whose pixels depend on `seed` (so files differ). */
export function pngBytes(seed = 0, width = 2, height = 2): Uint8Array {
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width * 3; x++)
      raw[y * (width * 3 + 1) + 1 + x] = (seed * 31 + y * 7 + x * 13) & 0xff;
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** The classic valid 1x1 GIF89a. */
export function gifBytes(): Uint8Array {
  return Buffer.from('R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==', 'base64');
}

/** A valid 1x1 24-bit BMP. */
export function bmpBytes(): Uint8Array {
  const b = Buffer.alloc(58);
  b.write('BM', 0, 'ascii');
  b.writeUInt32LE(58, 2);
  b.writeUInt32LE(54, 10);
  b.writeUInt32LE(40, 14);
  b.writeInt32LE(1, 18);
  b.writeInt32LE(1, 22);
  b.writeUInt16LE(1, 26);
  b.writeUInt16LE(24, 28);
  b.writeUInt32LE(4, 34);
  b.set([0, 0, 255, 0], 54);
  return b;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])));
  return Buffer.concat([head, data, crc]);
}

/** Writes a Kaggle-style flat folder: `<class>.<i>.<ext>` for i in 0..n-1, each file unique. */
export async function makeFlatSource(
  dir: string,
  counts: Record<string, number>,
  ext: 'jpg' | 'png' = 'jpg',
) {
  await mkdir(dir, { recursive: true });
  for (const [cls, n] of Object.entries(counts)) {
    for (let i = 0; i < n; i++) {
      const bytes = ext === 'jpg' ? jpegBytes(`${cls}.${i}`) : pngBytes(hashSeed(`${cls}.${i}`));
      await writeFile(join(dir, `${cls}.${i}.${ext}`), bytes);
    }
  }
}

/** Writes one subfolder per class with `n` unique PNG files each (`img<i>.png`). */
export async function makeFolderSource(dir: string, counts: Record<string, number>) {
  for (const [cls, n] of Object.entries(counts)) {
    await mkdir(join(dir, cls), { recursive: true });
    for (let i = 0; i < n; i++)
      await writeFile(join(dir, cls, `img${i}.png`), pngBytes(hashSeed(`${cls}/${i}`), 3, 2));
  }
}

/** Every file and symbolic link under `dir` (relative paths with `/`, sorted), with size, hash, inode and mtime. */
export async function snapshotTree(
  dir: string,
): Promise<Map<string, { sha256: string; ino: number; mtimeMs: number }>> {
  const out = new Map<string, { sha256: string; ino: number; mtimeMs: number }>();
  const walk = async (d: string, rel: string) => {
    for (const entry of await readdir(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      const r = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) await walk(path, r);
      else {
        const st = await stat(path);
        out.set(r, { sha256: sha256(await readFile(path)), ino: st.ino, mtimeMs: st.mtimeMs });
      }
    }
  };
  await walk(dir, '');
  return new Map([...out].sort(([a], [b]) => (a < b ? -1 : 1)));
}

function hashSeed(text: string): number {
  let h = 0;
  for (let i = 0; i < text.length; i++) h = (h * 31 + text.charCodeAt(i)) >>> 0;
  return h;
}
