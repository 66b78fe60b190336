import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodePng } from '../png';
import { pythonMissing, runPython, SKIMAGE_DATA } from '../test-support/python';
import { decodeImage, readImage } from './read';
import { writeJpeg } from './write';

const dir = mkdtempSync(join(tmpdir(), 'image-io-read-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const missing = pythonMissing(['PIL', 'numpy', 'keras_preprocessing.image']);

describe.skipIf(missing)(
  `readImage matches Keras's load_img (PIL) pixel for pixel${missing ? ` (skipped: ${missing})` : ''}`,
  () => {
    const png = join(SKIMAGE_DATA, 'chelsea.png');
    const jpg = join(dir, 'chelsea.jpg');
    const cases: [string, [number, number], string, 'rgb' | 'grayscale' | 'rgba'][] = [];
    for (const interp of ['nearest', 'bilinear', 'bicubic', 'lanczos']) {
      cases.push([interp, [150, 150], interp === 'nearest' ? 'png' : 'jpg', 'rgb']);
      cases.push([interp, [97, 301], 'jpg', 'grayscale']);
      cases.push([interp, [600, 800], 'png', 'rgb']);
    }
    cases.push(['nearest', [300, 451], 'png', 'rgba']);
    cases.push(['box', [64, 64], 'jpg', 'rgb']);
    cases.push(['hamming', [64, 64], 'jpg', 'rgb']);

    it('on chelsea.png and a JPEG made from it, for each interpolation, size and colour mode', async () => {
      runPython(`
import json, numpy as np
from PIL import Image
from keras_preprocessing.image import load_img
Image.open(${JSON.stringify(png)}).convert('RGB').save(${JSON.stringify(jpg)}, quality=90)
cases = ${JSON.stringify(cases)}
for i, (interp, size, kind, mode) in enumerate(cases):
    src = ${JSON.stringify(png)} if kind == 'png' else ${JSON.stringify(jpg)}
    a = np.asarray(load_img(src, color_mode=mode, target_size=tuple(size), interpolation=interp), dtype=np.uint8)
    a.tofile(${JSON.stringify(dir)} + '/ref%d.raw' % i)
print(json.dumps(len(cases)))`);
      for (const [i, [interpolation, targetSize, kind, colorMode]] of cases.entries()) {
        const ref = readFileSync(join(dir, `ref${i}.raw`));
        const img = await readImage(kind === 'png' ? png : jpg, {
          targetSize,
          colorMode,
          interpolation: interpolation as 'nearest',
        });
        expect([img.height, img.width, img.channels]).toEqual([
          ...targetSize,
          { rgb: 3, grayscale: 1, rgba: 4 }[colorMode],
        ]);
        let differing = 0;
        for (let k = 0; k < ref.length; k++) if (ref[k] !== img.data[k]) differing++;
        expect(differing, `${interpolation} ${targetSize} ${kind} ${colorMode}`).toBe(0);
      }
    });
  },
);

describe('readImage', () => {
  it('keeps the size without targetSize and converts grey PNGs to RGB', async () => {
    const path = join(dir, 'grey.png');
    writeFileSync(
      path,
      encodePng({ width: 3, height: 2, channels: 1, data: new Uint8Array([0, 50, 100, 150, 200, 250]) }),
    );
    const img = await readImage(path);
    expect([img.width, img.height, img.channels]).toEqual([3, 2, 3]);
    expect(Array.from(img.data.slice(0, 6))).toEqual([0, 0, 0, 50, 50, 50]);
    const grey = await readImage(path, { colorMode: 'grayscale' });
    expect(Array.from(grey.data)).toEqual([0, 50, 100, 150, 200, 250]);
  });

  it('reads JPEGs written by writeJpeg', async () => {
    const path = join(dir, 'flat.jpg');
    const data = new Uint8Array(16 * 16 * 3).fill(120);
    await writeJpeg(path, { width: 16, height: 16, channels: 3, data }, 95);
    const img = await readImage(path, { targetSize: [8, 8] });
    expect(img.data.every((v) => Math.abs(v - 120) <= 2)).toBe(true);
  });

  it('names the file for a missing, empty, corrupt or truncated image', async () => {
    await expect(readImage(join(dir, 'nope.jpg'))).rejects.toThrow(/nope\.jpg: no such file/);
    const empty = join(dir, 'empty.jpg');
    writeFileSync(empty, new Uint8Array(0));
    await expect(readImage(empty)).rejects.toThrow(/empty\.jpg: the file is empty/);
    const text = join(dir, 'text.jpg');
    writeFileSync(text, 'hello, not an image');
    await expect(readImage(text)).rejects.toThrow(/text\.jpg: not an image format/);
    const whole = join(dir, 'whole.jpg');
    const pixels = new Uint8Array(64 * 64 * 3).map((_, i) => (i * 7) & 255);
    await writeJpeg(whole, { width: 64, height: 64, channels: 3, data: pixels });
    const bytes = readFileSync(whole);
    const cut = join(dir, 'cut.jpg');
    writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    await expect(readImage(cut)).rejects.toThrow(/cut\.jpg: the file is truncated/);
    await expect(readImage(dir)).rejects.toThrow(/it is a folder/);
  });

  it('rejects bad options with a clear message', async () => {
    const bytes = encodePng({ width: 1, height: 1, channels: 3, data: new Uint8Array(3) });
    await expect(decodeImage(bytes, { targetSize: [0, 10] })).rejects.toThrow(
      /targetSize must be \[height, width\] with two positive integers, got \[0,10\]/,
    );
    await expect(decodeImage(bytes, { colorMode: 'cmyk' as 'rgb' })).rejects.toThrow(
      /Unknown colorMode 'cmyk'/,
    );
    await expect(decodeImage(bytes, { interpolation: 'area' as 'nearest' })).rejects.toThrow(
      /Unknown interpolation 'area'/,
    );
  });
});

describe.skipIf(missing)(
  `BMP and PBM/PGM/PPM decode as PIL does${missing ? ` (skipped: ${missing})` : ''}`,
  () => {
    it('1/8/24/32-bit BMPs and raw and plain netpbm files match load_img', async () => {
      const names = [
        'rgb.bmp',
        'rgba.bmp',
        'p.bmp',
        'l.bmp',
        'one.bmp',
        'rgb.ppm',
        'l.pgm',
        'one.pbm',
        'plain.ppm',
      ];
      runPython(`
import json, numpy as np
from PIL import Image
from keras_preprocessing.image import load_img
d = ${JSON.stringify(dir)}
im = Image.open(${JSON.stringify(join(SKIMAGE_DATA, 'chelsea.png'))}).convert('RGB').resize((37, 23))
im.save(d + '/rgb.bmp'); im.putalpha(200); im.save(d + '/rgba.bmp')
im = im.convert('RGB')
im.convert('P', palette=Image.ADAPTIVE, colors=50).save(d + '/p.bmp')
im.convert('L').save(d + '/l.bmp'); im.convert('1').save(d + '/one.bmp')
im.save(d + '/rgb.ppm'); im.convert('L').save(d + '/l.pgm'); im.convert('1').save(d + '/one.pbm')
a = np.asarray(im.resize((4, 3)))
open(d + '/plain.ppm', 'w').write('P3\\n# a comment\\n4 3\\n255\\n' + ' '.join(str(v) for v in a.ravel()) + '\\n')
g = np.asarray(im.convert('L').resize((5, 2)), dtype='>u2') * 257
open(d + '/deep.pgm', 'wb').write(b'P5 5 2 65535\\n' + g.tobytes())
np.asarray(im.convert('L').resize((5, 2)), dtype=np.uint8).tofile(d + '/deep.expected.raw')
for n in ${JSON.stringify(names)}:
    for mode in ['rgb', 'grayscale']:
        np.asarray(load_img(d + '/' + n, color_mode=mode), dtype=np.uint8).tofile(d + '/' + n + '.' + mode + '.raw')
print(json.dumps(1))`);
      for (const n of names) {
        for (const colorMode of ['rgb', 'grayscale'] as const) {
          const ref = readFileSync(join(dir, `${n}.${colorMode}.raw`));
          const img = await readImage(join(dir, n), { colorMode });
          let differing = 0;
          for (let k = 0; k < ref.length; k++) if (ref[k] !== img.data[k]) differing++;
          expect({ n, colorMode, length: img.data.length, differing }).toEqual({
            n,
            colorMode,
            length: ref.length,
            differing: 0,
          });
        }
      }
    });

    it('scales 16-bit PGM samples to 8 bits (PIL would clip them; Keras gets 255s)', async () => {
      const img = await readImage(join(dir, 'deep.pgm'), { colorMode: 'grayscale' });
      expect(Array.from(img.data)).toEqual(Array.from(readFileSync(join(dir, 'deep.expected.raw'))));
    });

    it('names the file for a truncated BMP or PPM', async () => {
      const bytes = readFileSync(join(dir, 'rgb.bmp'));
      writeFileSync(join(dir, 'cut.bmp'), bytes.subarray(0, bytes.length - 100));
      await expect(readImage(join(dir, 'cut.bmp'))).rejects.toThrow(/cut\.bmp: the BMP file is truncated/);
      const ppm = readFileSync(join(dir, 'rgb.ppm'));
      writeFileSync(join(dir, 'cut.ppm'), ppm.subarray(0, ppm.length - 10));
      await expect(readImage(join(dir, 'cut.ppm'))).rejects.toThrow(/cut\.ppm: the pixel data is truncated/);
    });
  },
);
