import { describe, expect, it } from 'vitest';
import { inspectImage } from './image-check';
import { bmpBytes, gifBytes, jpegBytes, pngBytes, progressiveJpegBytes, webpBytes } from './test-images';

const VALID = {
  jpeg: jpegBytes('a comment', 5000),
  progressive: progressiveJpegBytes(),
  png: pngBytes(3, 5, 4),
  gif: gifBytes(),
  bmp: bmpBytes(),
  webp: webpBytes(),
};

describe('inspectImage', () => {
  it('accepts whole JPEG (baseline and progressive), PNG, GIF, BMP and WebP files', () => {
    expect(inspectImage(VALID.jpeg)).toEqual({ ok: true, format: 'jpeg' });
    expect(inspectImage(VALID.progressive)).toEqual({ ok: true, format: 'jpeg' });
    expect(inspectImage(VALID.png)).toEqual({ ok: true, format: 'png' });
    expect(inspectImage(VALID.gif)).toEqual({ ok: true, format: 'gif' });
    expect(inspectImage(VALID.bmp)).toEqual({ ok: true, format: 'bmp' });
    expect(inspectImage(VALID.webp)).toEqual({ ok: true, format: 'webp' });
  });

  it('accepts bytes after the JPEG end marker and zero padding after the GIF trailer', () => {
    const jpeg = Buffer.concat([VALID.jpeg, Buffer.from('trailing')]);
    expect(inspectImage(jpeg).ok).toBe(true);
    expect(inspectImage(Buffer.concat([VALID.gif, Buffer.alloc(3)])).ok).toBe(true);
  });

  it('rejects an empty file and an unknown signature, showing the first bytes', () => {
    expect(inspectImage(new Uint8Array(0))).toEqual({ ok: false, reason: 'empty file (0 bytes)' });
    const r = inspectImage(Buffer.from('hello world, not an image'));
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toMatch(/not a JPEG, PNG, GIF, BMP or WebP image \(first bytes: 68 65 6c 6c/);
  });

  it.each(Object.entries(VALID))('detects every truncation of a %s file', (_name, bytes) => {
    // Cutting the file anywhere must be caught; past the 12-byte signatures it is called truncated.
    for (let cut = 1; cut < bytes.length; cut++) {
      const r = inspectImage(bytes.subarray(0, cut));
      expect(r.ok, `cut at ${cut} of ${bytes.length}`).toBe(false);
      if (cut >= 12) expect(!r.ok && r.reason, `cut at ${cut}`).toMatch(/truncated/);
    }
  });

  it('names the problem: a corrupt JPEG marker, a PNG without IHDR first', () => {
    const jpeg = Buffer.from(VALID.jpeg);
    jpeg[4 + jpeg.readUInt16BE(4)] = 0x12; // the byte where the next marker should start
    expect(inspectImage(jpeg)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/JPEG is corrupt: expected a marker/),
    });
    const png = Buffer.from(VALID.png);
    png.write('IDAT', 12, 'ascii');
    expect(inspectImage(png)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/PNG is corrupt: the first chunk is 'IDAT'/),
    });
  });
});
