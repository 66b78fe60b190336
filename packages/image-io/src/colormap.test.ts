import { describe, expect, it } from 'vitest';
import { applyColormap, colormap } from './colormap';
import { pythonMissing, runPython } from './test-support/python';

describe('colormap', () => {
  it('jet has OpenCV COLORMAP_JET values at known points (RGB order)', () => {
    // Read off cv2.applyColorMap(np.arange(256, dtype=np.uint8), cv2.COLORMAP_JET) of OpenCV 4.6, reversed to RGB.
    const jet = colormap('jet');
    expect(jet.colorOfByte(0)).toEqual([0, 0, 128]);
    expect(jet.colorOfByte(1)).toEqual([0, 0, 132]);
    expect(jet.colorOfByte(95)).toEqual([0, 252, 255]);
    expect(jet.colorOfByte(96)).toEqual([2, 255, 254]);
    expect(jet.colorOfByte(127)).toEqual([126, 255, 130]);
    expect(jet.colorOfByte(128)).toEqual([130, 255, 126]);
    // Blue at 159 is 1.5/255 exactly; OpenCV's float32 steps make it 1 while red at 96 (also 1.5/255) is 2.
    expect(jet.colorOfByte(159)).toEqual([254, 255, 1]);
    expect(jet.colorOfByte(160)).toEqual([255, 252, 0]);
    expect(jet.colorOfByte(255)).toEqual([128, 0, 0]);
    expect(jet.colorOfByte(254)).toEqual([132, 0, 0]);
  });

  it('viridis has matplotlib values at known points', () => {
    const viridis = colormap('viridis');
    // matplotlib.cm.viridis([0, 0.5, 1], bytes=True)
    expect(viridis.colorOfUnit(0)).toEqual([68, 1, 84]);
    expect(viridis.colorOfUnit(0.5)).toEqual([32, 144, 140]);
    expect(viridis.colorOfUnit(1)).toEqual([253, 231, 36]);
    expect(viridis.colorOfUnit(2)).toEqual([253, 231, 36]);
    expect(viridis.colorOfUnit(-1)).toEqual([68, 1, 84]);
  });

  it('maps 0..1 and 0..255 grids to RGB images', () => {
    const img = applyColormap([0, 1, 0.5, 0.25], { width: 2, height: 2 }, 'jet');
    expect([img.width, img.height, img.channels]).toEqual([2, 2, 3]);
    expect(Array.from(img.data.slice(0, 6))).toEqual([0, 0, 128, 128, 0, 0]);
    const bytes = applyColormap(new Uint8Array([0, 255]), { width: 2, height: 1 }, 'viridis', {
      scale: 'byte',
    });
    expect(Array.from(bytes.data)).toEqual([68, 1, 84, 253, 231, 36]);
    expect(() => applyColormap([1, 2, 3], { width: 2, height: 2 })).toThrow(/needs 4 values, got 3/);
    expect(() => colormap('hot' as 'jet')).toThrow(/Unknown colour map 'hot'/);
  });

  const noCv2 = pythonMissing(['cv2', 'numpy']);
  it.skipIf(noCv2)(`jet equals cv2.applyColorMap byte for byte${noCv2 ? ` (skipped: ${noCv2})` : ''}`, () => {
    const ref = runPython<number[][]>(`
import cv2, numpy as np, json
x = np.arange(256, dtype=np.uint8).reshape(1, 256)
print(json.dumps(cv2.applyColorMap(x, cv2.COLORMAP_JET)[0][:, ::-1].tolist()))`);
    expect(Array.from(colormap('jet').lut)).toEqual(ref.flat());
  });

  const noMpl = pythonMissing(['matplotlib', 'numpy']);
  it.skipIf(noMpl)(
    `viridis equals matplotlib's cmap(x, bytes=True)${noMpl ? ` (skipped: ${noMpl})` : ''}`,
    () => {
      const ref = runPython<{ x: number[]; rgb: number[][] }>(`
import json, numpy as np
from matplotlib import cm
x = np.concatenate([np.linspace(0, 1, 1001), np.arange(257) / 256])
print(json.dumps({"x": x.tolist(), "rgb": cm.get_cmap('viridis')(x, bytes=True)[:, :3].tolist()}))`);
      const viridis = colormap('viridis');
      expect(ref.x.map((x) => viridis.colorOfUnit(x))).toEqual(ref.rgb);
    },
  );
});
