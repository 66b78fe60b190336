import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { forEachBackend } from '@convkit/tensor/testing';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImageDataGenerator } from './image-data-generator';
import type { FillMode } from './options';
import { pythonMissing, runPython, SKIMAGE_DATA } from './test-support/python';
import { IDENTITY_TRANSFORM, type TransformParams } from './transform-params';

/*
 * Pixel parity with keras_preprocessing's apply_affine_transform, run through Debian's
 * python3-keras-preprocessing 1.1.0. That release predates two fixes that the latest
 * keras-preprocessing (and this package) have, so the harness applies them before comparing:
 *   1. centre: 1.1.0 rotates about (h/2 + 0.5, w/2 + 0.5); the fix uses the true pixel centre
 *      (h/2 - 0.5, w/2 - 0.5): the harness replaces transform_matrix_offset_center.
 *   2. axis order: the latest code builds the matrix in (x, y) order (tx, zx, shear act along x, the
 *      columns); 1.1.0 applies it to (row, col). The harness runs 1.1.0 on the transposed image
 *      (so its "rows" are x) and transposes back.
 * Where Keras's code and documentation disagree, this package follows the documentation, so the
 * harness asks scipy for the documented fills: 'wrap' is abcd|abcd|abcd (scipy's 'grid-wrap'; its
 * 'wrap' has period n - 1) and 'constant' fills every sample outside the image with cval before
 * interpolating (scipy's 'grid-constant'). 'nearest' and 'reflect' are scipy's own modes.
 * The photo is skimage's chelsea.png resized to 160 x 120 (not square, so the centre fix shows).
 * Flips, channel shift and brightness are applied in the harness as the latest Keras does.
 */
const TOLERANCE = 2; // 2/255 of the 0..1 range, in 0..255 units
const W = 160;
const H = 120;

const missing = pythonMissing(['numpy', 'scipy', 'PIL', 'keras_preprocessing.image']);

interface Case extends Partial<TransformParams> {
  fillMode: FillMode;
  cval: number;
}

const transforms: Partial<TransformParams>[] = [
  { theta: 30 },
  { theta: -73.5 },
  { tx: 17.3 },
  { ty: -11.6 },
  { tx: -40, ty: 25 },
  { shear: 25 },
  { zx: 0.8, zy: 1.25 },
  { zx: 1.3, zy: 1.3 },
  { flipHorizontal: true },
  { flipVertical: true },
  { theta: -40, tx: 12, ty: -9, shear: 10, zx: 1.1, zy: 0.9, flipHorizontal: true },
  { theta: 12, channelShiftIntensity: 30 },
  { theta: 12, brightness: 0.6 },
  { tx: 5, brightness: 1.4 },
];
const cases: Case[] = [];
for (const fillMode of ['nearest', 'constant', 'reflect', 'wrap'] as const) {
  for (const t of transforms) cases.push({ ...t, fillMode, cval: fillMode === 'constant' ? 37 : 0 });
}

describe.skipIf(missing)(
  `applyTransform matches Keras's apply_transform${missing ? ` (skipped: ${missing})` : ''}`,
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'augment-parity-'));
    let image: Uint8Array;
    let reference: Float32Array;
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    beforeAll(() => {
      runPython(
        `
import json, sys
import numpy as np
from PIL import Image, ImageEnhance
from keras_preprocessing.image import affine_transformations as at
from keras_preprocessing.image.utils import array_to_img, img_to_array

# Fix 1 (centre): the true pixel centre, as the latest keras-preprocessing.
def offset_center(matrix, x, y):
    o_x = float(x) / 2 - 0.5
    o_y = float(y) / 2 - 0.5
    offset = np.array([[1, 0, o_x], [0, 1, o_y], [0, 0, 1]])
    reset = np.array([[1, 0, -o_x], [0, 1, -o_y], [0, 0, 1]])
    return offset @ matrix @ reset
at.transform_matrix_offset_center = offset_center

# The latest apply_brightness_shift(x, brightness, scale=False) (1.1.0 always rescales).
def brightness_shift(x, brightness):
    x_min, x_max = np.min(x), np.max(x)
    local_scale = (x_min < 0) or (x_max > 255)
    img = array_to_img(x, scale=local_scale)
    img = ImageEnhance.Brightness(img).enhance(brightness)
    x = img_to_array(img)
    if local_scale:
        x = x / 255 * (x_max - x_min) + x_min
    return x

img = np.asarray(Image.open(${JSON.stringify(join(SKIMAGE_DATA, 'chelsea.png'))}).convert('RGB').resize((${W}, ${H}), Image.BILINEAR), dtype=np.float32)
img.astype(np.uint8).tofile(${JSON.stringify(join(dir, 'image.raw'))})
outs = []
for c in json.loads(sys.argv[1]):
    mode = {'wrap': 'grid-wrap', 'constant': 'grid-constant'}.get(c['fillMode'], c['fillMode'])
    # Fix 2 (axis order): 1.1.0 on the transposed image applies the (x, y) matrix.
    o = at.apply_affine_transform(img.transpose(1, 0, 2), c.get('theta', 0), c.get('tx', 0), c.get('ty', 0),
        c.get('shear', 0), c.get('zx', 1), c.get('zy', 1), row_axis=0, col_axis=1, channel_axis=2,
        fill_mode=mode, cval=c['cval'], order=1).transpose(1, 0, 2)
    if c.get('channelShiftIntensity') is not None:
        o = at.apply_channel_shift(o, c['channelShiftIntensity'], 2)
    if c.get('flipHorizontal'):
        o = o[:, ::-1]
    if c.get('flipVertical'):
        o = o[::-1]
    if c.get('brightness') is not None:
        o = brightness_shift(o, c['brightness'])
    outs.append(np.ascontiguousarray(o, dtype=np.float32))
np.stack(outs).tofile(${JSON.stringify(join(dir, 'reference.raw'))})
print(json.dumps(len(outs)))
`,
        { args: [JSON.stringify(cases)] },
      );
      image = new Uint8Array(readFileSync(join(dir, 'image.raw')));
      const bytes = readFileSync(join(dir, 'reference.raw'));
      reference = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
    });

    forEachBackend(['cpu', 'wasm'], (backend) => {
      it(`for rotation, shifts, shear, zoom, flips, channel shift and brightness, in every fill mode, over every pixel (${backend})`, () => {
        const x = tf.tensor3d(Float32Array.from(image), [H, W, 3]);
        const report: string[] = [];
        let worst = 0;
        cases.forEach((c, i) => {
          const generator = new ImageDataGenerator({ fillMode: c.fillMode, cval: c.cval });
          const { fillMode: _f, cval: _c, ...params } = c;
          const y = generator.applyTransform(x, { ...IDENTITY_TRANSFORM, ...params });
          const values = y.dataSync();
          y.dispose();
          let max = 0;
          const offset = i * H * W * 3;
          for (let k = 0; k < values.length; k++)
            max = Math.max(max, Math.abs(values[k] - reference[offset + k]));
          worst = Math.max(worst, max);
          if (max > TOLERANCE) report.push(`${JSON.stringify(c)}: max |difference| ${max.toFixed(4)}`);
        });
        x.dispose();
        expect(report, report.join('\n')).toEqual([]);
        // The largest difference over all cases, in 0..255 units (quoted in the README).
        console.log(
          `applyTransform parity on ${backend}: largest |difference| ${worst.toFixed(4)} (0..255 scale) over ${cases.length} cases`,
        );
        expect(worst).toBeLessThanOrEqual(TOLERANCE);
      });
    });
  },
);
