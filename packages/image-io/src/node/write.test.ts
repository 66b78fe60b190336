import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodePng } from '../png';
import { writeFileAtomic, writeJpeg, writePng } from './write';

const dir = mkdtempSync(join(tmpdir(), 'image-io-write-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('writePng / writeJpeg', () => {
  it('writes a PNG that decodes to the same pixels, creating folders, leaving no temp files', async () => {
    const image = {
      width: 5,
      height: 3,
      channels: 4 as const,
      data: new Uint8Array(60).map((_, i) => i * 4),
    };
    const path = join(dir, 'sub', 'deeper', 'out.png');
    await writePng(path, image);
    expect(Array.from(decodePng(readFileSync(path)).data)).toEqual(Array.from(image.data));
    expect(readdirSync(join(dir, 'sub', 'deeper'))).toEqual(['out.png']);
  });

  it('replaces an existing file only once the new one is complete', async () => {
    const path = join(dir, 'replace.bin');
    writeFileSync(path, 'old');
    await writeFileAtomic(path, new TextEncoder().encode('new'));
    expect(readFileSync(path, 'utf8')).toBe('new');
    // A failed write (the folder path is a file) leaves the old file alone and no temp file behind.
    await expect(writeFileAtomic(join(path, 'child'), new Uint8Array(1))).rejects.toThrow();
    expect(readFileSync(path, 'utf8')).toBe('new');
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('writes JPEGs and refuses RGBA or a bad quality', async () => {
    const path = join(dir, 'x.jpg');
    await writeJpeg(path, { width: 8, height: 8, channels: 1, data: new Uint8Array(64).fill(9) });
    expect(Array.from(readFileSync(path).subarray(0, 3))).toEqual([0xff, 0xd8, 0xff]);
    const rgba = { width: 1, height: 1, channels: 4 as const, data: new Uint8Array(4) };
    await expect(writeJpeg(path, rgba)).rejects.toThrow(/JPEG has no alpha/);
    const rgb = { width: 1, height: 1, channels: 3 as const, data: new Uint8Array(3) };
    await expect(writeJpeg(path, rgb, 0)).rejects.toThrow(/quality must be an integer from 1 to 100, got 0/);
  });
});
