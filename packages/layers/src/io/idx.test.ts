import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeIdx, encodeIdx, type IdxArray, IdxFormatError, parseIdx } from './idx';
import { DEFAULT_FASHION_MNIST_DIR, loadFashionMnist, readIdxFile } from './idx-node';

/** A hand-written IDX file: 2x3 uint8 matrix [[1,2,3],[4,5,255]]. */
const HAND_MADE = new Uint8Array([0, 0, 0x08, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 255]);

describe('parseIdx', () => {
  it('reads a hand-written uint8 file', () => {
    const a = parseIdx(HAND_MADE);
    expect(a.dtype).toBe('uint8');
    expect(a.shape).toEqual([2, 3]);
    expect(Array.from(a.data)).toEqual([1, 2, 3, 4, 5, 255]);
  });

  it('reads big-endian multi-byte types (hand-written int16 and float32)', () => {
    // int16 [-2, 258] and float32 [1.5]: big-endian bytes written out by hand.
    const i16 = new Uint8Array([0, 0, 0x0b, 1, 0, 0, 0, 2, 0xff, 0xfe, 0x01, 0x02]);
    expect(Array.from(parseIdx(i16).data)).toEqual([-2, 258]);
    const f32 = new Uint8Array([0, 0, 0x0d, 1, 0, 0, 0, 1, 0x3f, 0xc0, 0, 0]);
    expect(Array.from(parseIdx(f32).data)).toEqual([1.5]);
  });

  it('round-trips every element type through encodeIdx', () => {
    const cases: IdxArray[] = [
      { dtype: 'uint8', shape: [3], data: new Uint8Array([0, 128, 255]) },
      { dtype: 'int8', shape: [3], data: new Int8Array([-128, 0, 127]) },
      { dtype: 'int16', shape: [2, 2], data: new Int16Array([-32768, -1, 1, 32767]) },
      { dtype: 'int32', shape: [2], data: new Int32Array([-2147483648, 2147483647]) },
      { dtype: 'float32', shape: [1, 3], data: new Float32Array([-1.25, 0, 3.5e10]) },
      { dtype: 'float64', shape: [2], data: new Float64Array([Math.PI, -1e-300]) },
      { dtype: 'uint8', shape: [0, 28, 28], data: new Uint8Array(0) },
    ];
    for (const c of cases) {
      const back = parseIdx(encodeIdx(c));
      expect(back.dtype).toBe(c.dtype);
      expect(back.shape).toEqual(c.shape);
      expect(back.data).toEqual(c.data);
    }
  });

  it('reads from a view into a larger buffer (byteOffset != 0)', () => {
    const big = new Uint8Array(HAND_MADE.length + 7);
    big.set(HAND_MADE, 7);
    expect(Array.from(parseIdx(big.subarray(7)).data)).toEqual([1, 2, 3, 4, 5, 255]);
  });

  it('rejects truncated, too-long, wrongly-tagged and gzipped input with clear messages', () => {
    expect(() => parseIdx(HAND_MADE.subarray(0, 17), 'x.idx')).toThrow(
      /x\.idx is truncated: shape \[2, 3\] of uint8 needs 18 bytes, found 17/,
    );
    expect(() => parseIdx(HAND_MADE.subarray(0, 9))).toThrow(/truncated: its header declares 2 dimensions/);
    expect(() => parseIdx(HAND_MADE.subarray(0, 2))).toThrow(/2 bytes long; an IDX header needs at least 4/);
    const long = new Uint8Array(HAND_MADE.length + 1);
    long.set(HAND_MADE);
    expect(() => parseIdx(long)).toThrow(/longer than its header says/);
    const badMagic = HAND_MADE.slice();
    badMagic[0] = 0x50;
    expect(() => parseIdx(badMagic)).toThrow(/not an IDX file: it starts with bytes 50 00/);
    const badType = HAND_MADE.slice();
    badType[2] = 0x07;
    expect(() => parseIdx(badType)).toThrow(/unknown IDX element type 07/);
    expect(() => parseIdx(gzipSync(HAND_MADE))).toThrow(/gzipped/);
    expect(() => parseIdx(badType)).toThrow(IdxFormatError);
  });
});

describe('decodeIdx (browser-safe gunzip)', () => {
  it('inflates gzipped bytes and parses them; plain bytes pass through', async () => {
    expect(Array.from((await decodeIdx(gzipSync(HAND_MADE))).data)).toEqual([1, 2, 3, 4, 5, 255]);
    expect((await decodeIdx(HAND_MADE)).shape).toEqual([2, 3]);
  });

  it('rejects a corrupt or truncated gzip stream', async () => {
    const gz = gzipSync(HAND_MADE);
    await expect(decodeIdx(gz.subarray(0, gz.length - 6), 'cut.gz')).rejects.toThrow(
      /cut\.gz is not a valid gzip stream/,
    );
  });
});

describe('readIdxFile and loadFashionMnist (node)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'convkit-idx-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads plain and gzipped files; names a missing or corrupt file', async () => {
    await writeFile(join(dir, 'a.idx'), HAND_MADE);
    await writeFile(join(dir, 'a.idx.gz'), gzipSync(HAND_MADE));
    expect((await readIdxFile(join(dir, 'a.idx'))).shape).toEqual([2, 3]);
    expect(Array.from((await readIdxFile(join(dir, 'a.idx.gz'))).data)).toEqual([1, 2, 3, 4, 5, 255]);
    await expect(readIdxFile(join(dir, 'nope.idx'))).rejects.toThrow(/IDX file not found: .*nope\.idx/);
    const gz = gzipSync(HAND_MADE);
    await writeFile(join(dir, 'cut.gz'), gz.subarray(0, 12));
    await expect(readIdxFile(join(dir, 'cut.gz'))).rejects.toThrow(/cut\.gz is not a valid gzip file/);
    await writeFile(join(dir, 'short.gz'), gzipSync(HAND_MADE.subarray(0, 15)));
    await expect(readIdxFile(join(dir, 'short.gz'))).rejects.toThrow(/short\.gz is truncated/);
  });

  it('loadFashionMnist names the missing file', async () => {
    const sub = join(dir, 'mini');
    await rm(sub, { recursive: true, force: true });
    await mkdir(sub);
    const imgs = encodeIdx({ dtype: 'uint8', shape: [2, 2, 2], data: new Uint8Array(8) });
    const labels = encodeIdx({ dtype: 'uint8', shape: [2], data: new Uint8Array([3, 9]) });
    await writeFile(join(sub, 'train-images-idx3-ubyte.gz'), gzipSync(imgs));
    await writeFile(join(sub, 'train-labels-idx1-ubyte'), labels);
    await writeFile(join(sub, 't10k-images-idx3-ubyte'), imgs);
    await expect(loadFashionMnist(sub)).rejects.toThrow(
      /t10k-labels-idx1-ubyte\.gz nor .*t10k-labels-idx1-ubyte exists/,
    );
    await writeFile(
      join(sub, 't10k-labels-idx1-ubyte'),
      encodeIdx({ dtype: 'uint8', shape: [3], data: new Uint8Array(3) }),
    );
    await expect(loadFashionMnist(sub)).rejects.toThrow(
      /t10k-labels: expected 2 labels .* found shape \[3\]/,
    );
    await writeFile(join(sub, 't10k-labels-idx1-ubyte'), labels);
    const small = await loadFashionMnist(sub);
    expect(Array.from(small.test.labels.data)).toEqual([3, 9]);
  });

  const present = existsSync(join(DEFAULT_FASHION_MNIST_DIR, 'train-images-idx3-ubyte.gz'));
  it.skipIf(!present)('reads the real Fashion-MNIST files (60000x28x28, labels 0-9)', async () => {
    const { train, test } = await loadFashionMnist();
    expect(train.images.shape).toEqual([60000, 28, 28]);
    expect(train.labels.shape).toEqual([60000]);
    expect(test.images.shape).toEqual([10000, 28, 28]);
    expect(test.labels.shape).toEqual([10000]);
    for (const split of [train, test]) {
      const counts = new Array(10).fill(0);
      for (const l of split.labels.data) counts[l]++;
      // Fashion-MNIST is balanced: 6,000 / 1,000 of each class.
      expect(counts).toEqual(new Array(10).fill(split.labels.shape[0] / 10));
      let max = 0;
      for (const v of split.images.data) if (v > max) max = v;
      expect(max).toBe(255);
    }
    // The first training label of Fashion-MNIST is 9 (ankle boot), the first test label is 9 too.
    expect(train.labels.data[0]).toBe(9);
    expect(test.labels.data[0]).toBe(9);
    // Independent reference: numpy's sums over the same gzipped files.
    if (existsSync('/usr/bin/python3')) {
      const script =
        'import gzip,numpy as np\n' +
        `d='${DEFAULT_FASHION_MNIST_DIR}'\n` +
        "a=np.frombuffer(gzip.open(d+'/train-images-idx3-ubyte.gz').read()[16:],np.uint8)\n" +
        "b=np.frombuffer(gzip.open(d+'/t10k-labels-idx1-ubyte.gz').read()[8:],np.uint8)\n" +
        'print(int(a.astype(np.int64).sum()), int((b.astype(np.int64)*np.arange(len(b))).sum()))';
      const [pixels, weighted] = execFileSync('/usr/bin/python3', ['-c', script])
        .toString()
        .trim()
        .split(' ');
      let sum = 0;
      for (const v of train.images.data) sum += v;
      let w = 0;
      test.labels.data.forEach((l, i) => {
        w += l * i;
      });
      expect(sum).toBe(Number(pixels));
      expect(w).toBe(Number(weighted));
    }
  });
});
