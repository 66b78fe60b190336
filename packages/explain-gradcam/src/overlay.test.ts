import { colormap, decodePng } from '@convkit/image-io';
import type { PixelImage } from '@convkit/tensor';
import { pythonUnavailable, runPython } from '@convkit/tensor/testing';
import { describe, expect, it } from 'vitest';
import { heatmapImage, overlay } from './overlay';

const heatmap = { width: 3, height: 2, data: new Float32Array([0, 0.2, 0.5, 1, 0.75, 0.1]) };
const image: PixelImage = {
  width: 7,
  height: 5,
  channels: 3,
  data: new Uint8Array(7 * 5 * 3).map((_, i) => (i * 53) % 256),
};

describe('overlay', () => {
  it('adds alpha times the coloured heatmap to the image, clipped, at the image size', () => {
    const one = overlay(
      { width: 1, height: 1, channels: 3, data: new Uint8Array([10, 200, 250]) },
      {
        width: 1,
        height: 1,
        data: new Float32Array([1]),
      },
    );
    const [r, g, b] = colormap('jet').colorOfUnit(1);
    expect(Array.from(one.pixels.data)).toEqual([
      Math.min(255, Math.round(r * 0.4 + 10)),
      Math.min(255, Math.round(g * 0.4 + 200)),
      Math.min(255, Math.round(b * 0.4 + 250)),
    ]);
    const out = overlay(image, heatmap, { alpha: 0 });
    expect(Array.from(out.pixels.data)).toEqual(Array.from(image.data));
    const decoded = decodePng(overlay(image, heatmap).png);
    expect([decoded.width, decoded.height, decoded.channels]).toEqual([7, 5, 3]);
  });

  it('matches the chapter code (cv2.resize, uint8(255*h), COLORMAP_JET, h*0.4 + img)', (ctx) => {
    const why = pythonUnavailable(['numpy', 'cv2']);
    if (why) ctx.skip(why);
    // a 14x14 heatmap (VGG16's block5_conv3) over a 150x97 photo-sized image, plus the small case
    const big = {
      width: 14,
      height: 14,
      data: new Float32Array(196).map((_, i) => Math.abs(Math.sin(i * 0.37))),
    };
    big.data[17] = 1;
    const photo: PixelImage = {
      width: 150,
      height: 97,
      channels: 3,
      data: new Uint8Array(150 * 97 * 3).map((_, i) => (i * 31 + (i >> 7)) % 256),
    };
    const code = (h: number, w: number, hh: number, hw: number) => `import cv2
img = inp('img').reshape(${h}, ${w}, 3)[:, :, ::-1]  # the chapter reads BGR
heatmap = inp('h').reshape(${hh}, ${hw})
heatmap = cv2.resize(heatmap, (img.shape[1], img.shape[0]))
heatmap = np.uint8(255 * heatmap)
heatmap = cv2.applyColorMap(heatmap, cv2.COLORMAP_JET)
superimposed_img = heatmap * 0.4 + img
ok, png = cv2.imencode('.png', superimposed_img)
out('o', cv2.imdecode(png, cv2.IMREAD_COLOR)[:, :, ::-1])
`;
    const small = runPython(code(5, 7, 2, 3), { img: Float32Array.from(image.data), h: heatmap.data }, ['o']);
    expect(Array.from(overlay(image, heatmap).pixels.data)).toEqual(Array.from(small.o));
    const large = runPython(code(97, 150, 14, 14), { img: Float32Array.from(photo.data), h: big.data }, [
      'o',
    ]);
    expect(Array.from(overlay(photo, big).pixels.data)).toEqual(Array.from(large.o));
  });

  it('treats grey images as RGB and explains a bad heatmap', () => {
    const grey: PixelImage = { width: 2, height: 2, channels: 1, data: new Uint8Array([0, 50, 100, 150]) };
    expect(overlay(grey, heatmap).pixels.channels).toBe(3);
    expect(() => overlay(grey, { width: 3, height: 3, data: new Float32Array(4) })).toThrow(
      /3x3 but has 4 values/,
    );
  });
});

describe('heatmapImage', () => {
  it('colours the heatmap (viridis by default), optionally resized', () => {
    const img = heatmapImage(heatmap);
    expect([img.width, img.height, img.channels]).toEqual([3, 2, 3]);
    expect(Array.from(img.data.subarray(9, 12))).toEqual(colormap('viridis').colorOfUnit(1));
    expect(heatmapImage(heatmap, { size: { width: 30, height: 20 }, colormap: 'jet' }).width).toBe(30);
  });
});
