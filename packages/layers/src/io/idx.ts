/**
 * IDX files (the format of MNIST and Fashion-MNIST), parsed from bytes. Browser-safe: no node
 * modules. Gzipped bytes are inflated with the platform's DecompressionStream in `decodeIdx`.
 *
 * Layout: bytes 0-1 are zero, byte 2 is the element type, byte 3 the number of dimensions,
 * then one big-endian uint32 per dimension, then the elements in row-major order, big-endian.
 */

/** The element types an IDX file can hold, by their Keras/numpy-like names. */
export type IdxDtype = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';

/** The typed array that holds each IDX element type. */
export type IdxData = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

/** A parsed IDX file: its element type, its shape, and its elements in row-major order. */
export interface IdxArray {
  dtype: IdxDtype;
  shape: number[];
  data: IdxData;
}

const TYPES: Record<number, { dtype: IdxDtype; size: number }> = {
  8: { dtype: 'uint8', size: 1 },
  9: { dtype: 'int8', size: 1 },
  11: { dtype: 'int16', size: 2 },
  12: { dtype: 'int32', size: 4 },
  13: { dtype: 'float32', size: 4 },
  14: { dtype: 'float64', size: 8 },
};

/** Thrown for bytes that are not a well-formed IDX file; the message says what was wrong. */
export class IdxFormatError extends Error {
  override readonly name = 'IdxFormatError';
}

/** True when `bytes` start with the gzip magic number (1f 8b). */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Parses an uncompressed IDX file. `source` (a file name, say) only makes error messages clearer.
 * Throws IdxFormatError for gzipped bytes (use `decodeIdx`, or `readIdxFile` in node), a bad
 * header, or a file shorter or longer than its header says.
 */
export function parseIdx(bytes: Uint8Array, source = 'IDX data'): IdxArray {
  if (isGzip(bytes)) {
    throw new IdxFormatError(
      `${source} is gzipped; inflate it first (decodeIdx(bytes) does, or readIdxFile(path) in node).`,
    );
  }
  if (bytes.length < 4) {
    throw new IdxFormatError(`${source} is ${bytes.length} bytes long; an IDX header needs at least 4.`);
  }
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new IdxFormatError(
      `${source} is not an IDX file: it starts with bytes ${hex(bytes[0])} ${hex(bytes[1])}, expected 00 00.`,
    );
  }
  const type = TYPES[bytes[2]];
  if (!type) {
    throw new IdxFormatError(
      `${source} has unknown IDX element type ${hex(bytes[2])}; expected one of 08 (uint8), 09 (int8), ` +
        `0b (int16), 0c (int32), 0d (float32), 0e (float64).`,
    );
  }
  const rank = bytes[3];
  const headerLength = 4 + 4 * rank;
  if (bytes.length < headerLength) {
    throw new IdxFormatError(
      `${source} is truncated: its header declares ${rank} dimensions (${headerLength} header bytes) ` +
        `but the file has only ${bytes.length} bytes.`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape: number[] = [];
  let count = 1;
  for (let i = 0; i < rank; i++) {
    const dim = view.getUint32(4 + 4 * i, false);
    shape.push(dim);
    count *= dim;
  }
  const expected = headerLength + count * type.size;
  if (bytes.length !== expected) {
    const what = bytes.length < expected ? 'truncated' : 'longer than its header says';
    throw new IdxFormatError(
      `${source} is ${what}: shape [${shape.join(', ')}] of ${type.dtype} needs ${expected} bytes, ` +
        `found ${bytes.length}.`,
    );
  }
  return { dtype: type.dtype, shape, data: readElements(view, headerLength, count, type.dtype) };
}

/**
 * Parses an IDX file that may be gzipped (as MNIST and Fashion-MNIST ship). Inflates with
 * DecompressionStream, available in browsers and node 18+.
 */
export async function decodeIdx(bytes: Uint8Array, source = 'IDX data'): Promise<IdxArray> {
  if (!isGzip(bytes)) return parseIdx(bytes, source);
  let inflated: Uint8Array;
  try {
    inflated = await gunzip(bytes);
  } catch (error) {
    throw new IdxFormatError(`${source} is not a valid gzip stream (${(error as Error).message}).`, {
      cause: error,
    });
  }
  return parseIdx(inflated, source);
}

async function gunzip(bytes: Uint8Array): Promise<Uint8Array> {
  if (typeof DecompressionStream === 'undefined') {
    throw new Error('this platform has no DecompressionStream; inflate the bytes before parsing');
  }
  const stream = new Blob([bytes as BlobPart]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

function readElements(view: DataView, offset: number, count: number, dtype: IdxDtype): IdxData {
  switch (dtype) {
    case 'uint8':
      return new Uint8Array(view.buffer.slice(view.byteOffset + offset, view.byteOffset + offset + count));
    case 'int8':
      return new Int8Array(view.buffer.slice(view.byteOffset + offset, view.byteOffset + offset + count));
    case 'int16': {
      const out = new Int16Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt16(offset + 2 * i, false);
      return out;
    }
    case 'int32': {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt32(offset + 4 * i, false);
      return out;
    }
    case 'float32': {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(offset + 4 * i, false);
      return out;
    }
    case 'float64': {
      const out = new Float64Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(offset + 8 * i, false);
      return out;
    }
  }
}

/**
 * Encodes an array as an uncompressed IDX file (the inverse of `parseIdx`). The data's length
 * must equal the product of the shape.
 */
export function encodeIdx(array: IdxArray): Uint8Array {
  const code = Number(Object.keys(TYPES).find((k) => TYPES[Number(k)].dtype === array.dtype));
  const { size } = TYPES[code];
  const count = array.shape.reduce((a, b) => a * b, 1);
  if (array.data.length !== count) {
    throw new IdxFormatError(
      `encodeIdx: shape [${array.shape.join(', ')}] holds ${count} elements but data has ${array.data.length}.`,
    );
  }
  const header = 4 + 4 * array.shape.length;
  const out = new Uint8Array(header + count * size);
  const view = new DataView(out.buffer);
  out[2] = code;
  out[3] = array.shape.length;
  for (let i = 0; i < array.shape.length; i++) view.setUint32(4 + 4 * i, array.shape[i], false);
  const d = array.data;
  for (let i = 0; i < count; i++) {
    const at = header + i * size;
    if (array.dtype === 'uint8') view.setUint8(at, d[i]);
    else if (array.dtype === 'int8') view.setInt8(at, d[i]);
    else if (array.dtype === 'int16') view.setInt16(at, d[i], false);
    else if (array.dtype === 'int32') view.setInt32(at, d[i], false);
    else if (array.dtype === 'float32') view.setFloat32(at, d[i], false);
    else view.setFloat64(at, d[i], false);
  }
  return out;
}

function hex(byte: number | undefined): string {
  return (byte ?? 0).toString(16).padStart(2, '0');
}

/** Fashion-MNIST's ten class names, indexed by label. */
export const FASHION_MNIST_CLASSES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
] as const;
