import type * as tf from '@tensorflow/tfjs-core';
import type { WinogradInput } from './simd-winograd';
import type { WasmOps } from './wasm-ops';

/** Bytes of transformed tiles per chunk: bounds the extra heap a Winograd kernel needs. */
let chunkBytes = 64 << 20;

/** Sets the bytes of transformed tiles per chunk (tests use small chunks); returns the previous value. */
export function setWinogradChunkBytes(bytes: number): number {
  const previous = chunkBytes;
  chunkBytes = bytes;
  return previous;
}

/**
 * How a Winograd kernel walks an output of n x oh x ow: m x m tiles in rows (row = image *
 * tilesH + tile row), taken in chunks of whole rows. Holds the helpers' scratch: `zeros` (what
 * pixels outside an image read) and a tile's pixel addresses.
 */
export class WinogradTiles {
  readonly tilesH: number;
  readonly tilesW: number;
  readonly zeros: tf.TensorInfo;
  private readonly pixels: tf.TensorInfo;

  /** `channels`: the most channels a transformed image has (zeros' length). */
  constructor(
    private readonly ops: WasmOps,
    readonly m: number,
    private readonly output: { n: number; oh: number; ow: number },
    channels: number,
  ) {
    this.tilesH = Math.ceil(output.oh / m);
    this.tilesW = Math.ceil(output.ow / m);
    this.zeros = ops.output([channels]);
    this.pixels = ops.output([(m + 2) ** 2], 'int32');
    ops.heapF32(this.zeros).fill(0);
  }

  /** The helpers' scratch for a tile's pixel addresses (byte offset). */
  get pixelsAt(): number {
    return this.ops.offset(this.pixels);
  }

  /** Chunks [row0, row1) of tile rows, each with at most the chunk budget at `bytesPerTile` (at least one row). */
  *chunks(bytesPerTile: number): Generator<[number, number]> {
    const tilesPerChunk = Math.max(1, Math.floor(chunkBytes / bytesPerTile));
    const rowsPerChunk = Math.max(1, Math.floor(tilesPerChunk / this.tilesW));
    const rows = this.output.n * this.tilesH;
    for (let row0 = 0; row0 < rows; row0 += rowsPerChunk) yield [row0, Math.min(rows, row0 + rowsPerChunk)];
  }

  /**
   * One of the SIMD tile transforms over tile rows [row0, row1) of the NHWC image `image`
   * ([n, h, w, c]), with patches from (m * ty - top, m * tx - left): α² matrices [1, tiles, c].
   */
  transform(
    transform: WinogradInput,
    image: tf.TensorInfo,
    [top, left]: [number, number],
    [row0, row1]: [number, number],
  ): tf.TensorInfo[] {
    const { ops, m } = this;
    const [, h, w, c] = image.shape;
    const tiles = (row1 - row0) * this.tilesW;
    const matrices = Array.from({ length: (m + 2) ** 2 }, () => ops.output([1, tiles, c]));
    const table = ops.pointerTable(matrices);
    const at = [ops.offset(image), ops.offset(table), ops.offset(this.zeros), this.pixelsAt] as const;
    transform(...at, h, w, c, this.tilesH, this.tilesW, top, left, row0, row1);
    ops.release([table]);
    return matrices;
  }
}
