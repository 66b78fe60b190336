import { describe, expect, it } from 'vitest';
import { decodeImageBlob } from './blob';
import { encodePng } from './png';

describe('decodeImageBlob', () => {
  it('decodes PPM blobs in JavaScript (browsers cannot), then converts and resizes like readImage', async () => {
    const ppm = new Blob([
      new TextEncoder().encode('P6\n2 1\n255\n'),
      new Uint8Array([255, 0, 0, 0, 0, 255]),
    ]);
    const img = await decodeImageBlob(ppm, { colorMode: 'grayscale', targetSize: [1, 4] });
    expect([img.width, img.height, img.channels]).toEqual([4, 1, 1]);
    expect(Array.from(img.data)).toEqual([76, 76, 29, 29]);
  });

  it('says what to use where there is no createImageBitmap (node)', async () => {
    const png = new Blob([encodePng({ width: 1, height: 1, channels: 3, data: new Uint8Array(3) }).slice()], {
      type: 'image/png',
    });
    await expect(decodeImageBlob(png)).rejects.toThrow(
      /no createImageBitmap\/OffscreenCanvas \(in node, use readImage or decodeImage/,
    );
    await expect(decodeImageBlob(png, { targetSize: [0, 1] })).rejects.toThrow(/targetSize must be/);
  });
});
