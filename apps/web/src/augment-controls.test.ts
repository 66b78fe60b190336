import { describe, expect, it } from 'vitest';
import { generatorOptions, SLIDERS } from './augment-controls';

describe('generatorOptions', () => {
  it("starts from the chapter's augmentation settings", () => {
    const opts = generatorOptions({}, { horizontalFlip: true, verticalFlip: false, fillMode: 'nearest' });
    expect(opts).toEqual({
      rotationRange: 40,
      widthShiftRange: 0.2,
      heightShiftRange: 0.2,
      shearRange: 0.2,
      zoomRange: 0.2,
      horizontalFlip: true,
      verticalFlip: false,
      fillMode: 'nearest',
    });
  });

  it('leaves out options set to zero and takes slider values', () => {
    const opts = generatorOptions(
      { rotationRange: 0, zoomRange: 0.5 },
      { horizontalFlip: false, verticalFlip: true, fillMode: 'reflect' },
    );
    expect(opts.rotationRange).toBeUndefined();
    expect(opts.zoomRange).toBe(0.5);
    expect(SLIDERS.every((s) => s.initial >= s.min && s.initial <= s.max)).toBe(true);
  });
});
