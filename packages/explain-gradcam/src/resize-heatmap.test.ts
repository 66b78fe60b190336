import { pythonUnavailable, runPython } from '@convkit/tensor/testing';
import { describe, expect, it } from 'vitest';
import { resizeHeatmap } from './resize-heatmap';

describe('resizeHeatmap', () => {
  it('interpolates between pixel centres and clamps at the edges', () => {
    const got = Array.from(resizeHeatmap({ width: 2, height: 1, data: new Float32Array([0, 1]) }, 4, 1));
    // destination centres map to source -0.25, 0.25, 0.75, 1.25
    expect(got).toEqual([0, 0.25, 0.75, 1]);
  });

  it('matches cv2.resize(INTER_LINEAR), the chapter call', (ctx) => {
    const why = pythonUnavailable(['numpy', 'cv2']);
    if (why) ctx.skip(why);
    const data = new Float32Array(14 * 14).map((_, i) => Math.abs(Math.sin(i * 0.7)));
    const ref = runPython(
      `import cv2\nh = inp('h').reshape(14, 14)\nout('r', cv2.resize(h, (150, 97)))`,
      { h: data },
      ['r'],
    );
    const got = resizeHeatmap({ width: 14, height: 14, data }, 150, 97);
    let maxDiff = 0;
    for (let i = 0; i < got.length; i++) maxDiff = Math.max(maxDiff, Math.abs(got[i] - ref.r[i]));
    expect(maxDiff).toBeLessThan(1e-6); // float32 rounding, as OpenCV (which may fuse a multiply-add)
  });
});
