/** The image formats a split accepts, found from a file's first bytes (not its extension). */
export type ImageFormat = 'jpeg' | 'png' | 'gif' | 'bmp' | 'webp';

/** The verdict on one file's bytes: its format, or why it cannot be an image a decoder will read. */
export type ImageCheck = { ok: true; format: ImageFormat } | { ok: false; reason: string };

/** File extensions (lower case, with the dot) that a split treats as images; other files are ignored. */
export const IMAGE_EXTENSIONS: readonly string[] = ['.jpg', '.jpeg', '.png', '.gif', '.bmp', '.webp'];

/**
 * Checks that `bytes` hold a whole JPEG, PNG, GIF, BMP or WebP file: a known signature, a non-zero
 * size, and the cheap structural checks that catch a truncated file (JPEG: marker segments and
 * entropy-coded data up to the EOI marker; PNG: chunks up to IEND; GIF: the trailer byte; BMP and
 * WebP: the size their header declares). It does not decode pixels.
 */
export function inspectImage(bytes: Uint8Array): ImageCheck {
  if (bytes.length === 0) return { ok: false, reason: 'empty file (0 bytes)' };
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return verdict('jpeg', jpegProblem(bytes));
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))
    return verdict('png', pngProblem(bytes));
  if (startsWith(bytes, ascii('GIF87a')) || startsWith(bytes, ascii('GIF89a'))) {
    return verdict('gif', gifProblem(bytes));
  }
  if (startsWith(bytes, ascii('BM'))) return verdict('bmp', bmpProblem(bytes));
  if (startsWith(bytes, ascii('RIFF')) && startsWith(bytes.subarray(8), ascii('WEBP'))) {
    return verdict('webp', webpProblem(bytes));
  }
  const head = Array.from(bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ');
  return { ok: false, reason: `not a JPEG, PNG, GIF, BMP or WebP image (first bytes: ${head})` };
}

function verdict(format: ImageFormat, problem: string | null): ImageCheck {
  return problem === null
    ? { ok: true, format }
    : { ok: false, reason: `${format.toUpperCase()} ${problem}` };
}

function jpegProblem(b: Uint8Array): string | null {
  const n = b.length;
  let i = 2;
  for (;;) {
    if (i >= n) return `is truncated: ${n} bytes and no end-of-image marker`;
    if (b[i] !== 0xff) return `is corrupt: expected a marker at byte ${i}, found 0x${b[i].toString(16)}`;
    while (i < n && b[i] === 0xff) i++;
    if (i >= n) return `is truncated: ${n} bytes and no end-of-image marker`;
    const marker = b[i++];
    if (marker === 0xd9) return null;
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8)) continue;
    if (i + 2 > n) return `is truncated inside a marker segment (${n} bytes)`;
    const length = (b[i] << 8) | b[i + 1];
    if (length < 2)
      return `is corrupt: segment 0xff${marker.toString(16)} at byte ${i - 2} has length ${length}`;
    i += length;
    if (i > n) return `is truncated: a segment ends at byte ${i} but the file has ${n} bytes`;
    if (marker !== 0xda) continue;
    // Entropy-coded data: 0xff is followed by 0x00 (a stuffed byte) or a restart marker inside a scan.
    for (;;) {
      i = b.indexOf(0xff, i);
      if (i < 0 || i + 1 >= n)
        return `is truncated: ${n} bytes, the image data stops before its end-of-image marker`;
      const next = b[i + 1];
      if (next === 0x00 || (next >= 0xd0 && next <= 0xd7)) i += 2;
      else break;
    }
  }
}

function pngProblem(b: Uint8Array): string | null {
  const n = b.length;
  let i = 8;
  let first = true;
  for (;;) {
    if (i + 8 > n) return `is truncated: ${n} bytes and no IEND chunk`;
    const length = readU32BE(b, i);
    const type = String.fromCharCode(b[i + 4], b[i + 5], b[i + 6], b[i + 7]);
    if (first && type !== 'IHDR') return `is corrupt: the first chunk is '${type}', not IHDR`;
    if (length > 0x7fffffff) return `is corrupt: chunk '${type}' at byte ${i} claims ${length} bytes`;
    first = false;
    i += 12 + length;
    if (i > n) return `is truncated: chunk '${type}' ends at byte ${i} but the file has ${n} bytes`;
    if (type === 'IEND') return null;
  }
}

function gifProblem(b: Uint8Array): string | null {
  let end = b.length;
  while (end > 0 && b[end - 1] === 0x00) end--;
  if (end < 14) return `is truncated: only ${b.length} bytes`;
  return b[end - 1] === 0x3b ? null : `is truncated: ${b.length} bytes and no trailer byte (0x3b) at the end`;
}

function bmpProblem(b: Uint8Array): string | null {
  if (b.length < 26) return `is truncated: only ${b.length} bytes, shorter than its headers`;
  const declared = readU32LE(b, 2);
  const dataOffset = readU32LE(b, 10);
  if (declared !== 0 && b.length < declared) {
    return `is truncated: its header declares ${declared} bytes, the file has ${b.length}`;
  }
  if (dataOffset >= b.length)
    return `is truncated: pixel data should start at byte ${dataOffset}, the file has ${b.length}`;
  return null;
}

function webpProblem(b: Uint8Array): string | null {
  if (b.length < 20) return `is truncated: only ${b.length} bytes`;
  const declared = readU32LE(b, 4) + 8;
  return b.length < declared
    ? `is truncated: its RIFF header declares ${declared} bytes, the file has ${b.length}`
    : null;
}

function startsWith(b: Uint8Array, prefix: number[]): boolean {
  if (b.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (b[i] !== prefix[i]) return false;
  return true;
}

function ascii(s: string): number[] {
  return Array.from(s, (c) => c.charCodeAt(0));
}

function readU32BE(b: Uint8Array, i: number): number {
  return ((b[i] << 24) >>> 0) + (b[i + 1] << 16) + (b[i + 2] << 8) + b[i + 3];
}

function readU32LE(b: Uint8Array, i: number): number {
  return b[i] + (b[i + 1] << 8) + (b[i + 2] << 16) + ((b[i + 3] << 24) >>> 0);
}
