import { describe, expect, it } from 'vitest';
import { resolveOptions } from './options';

describe('resolveOptions', () => {
  it("applies Keras's defaults", () => {
    const o = resolveOptions({}, () => {});
    expect(o).toMatchObject({
      fillMode: 'nearest',
      cval: 0,
      zoomRange: [1, 1],
      rotationRange: 0,
      rescale: undefined,
      validationSplit: 0,
    });
    expect(resolveOptions({ zoomRange: 0.2 }, () => {}).zoomRange).toEqual([0.8, 1.2]);
    expect(resolveOptions({ zoomRange: [0.5, 2] }, () => {}).zoomRange).toEqual([0.5, 2]);
  });

  it("applies Keras's implications and warns about them", () => {
    const warnings: string[] = [];
    const o = resolveOptions({ featurewiseStdNormalization: true, samplewiseStdNormalization: true }, (m) =>
      warnings.push(m),
    );
    expect(o.featurewiseCenter).toBe(true);
    expect(o.samplewiseCenter).toBe(true);
    expect(warnings).toHaveLength(2);
    const z = resolveOptions({ zcaWhitening: true, featurewiseStdNormalization: true }, () => {});
    expect([z.featurewiseCenter, z.featurewiseStdNormalization]).toEqual([true, false]);
  });

  it('rejects bad options with a message naming them', () => {
    const bad = (o: object) => () => resolveOptions(o, () => {});
    expect(bad({ rotation_range: 40 })).toThrow(
      /unknown option 'rotation_range' \(options are camelCase: rotationRange\)/,
    );
    expect(bad({ fillMode: 'mirror' })).toThrow(
      /fillMode must be one of constant, nearest, reflect, wrap, got "mirror"/,
    );
    expect(bad({ validationSplit: 1.5 })).toThrow(
      /validationSplit must be strictly between 0 and 1, got 1.5/,
    );
    expect(bad({ zoomRange: [1, 2, 3] })).toThrow(/zoomRange must be a number or \[low, high\]/);
    expect(bad({ zoomRange: 1 })).toThrow(/zoomRange must stay above 0/);
    expect(bad({ rotationRange: -5 })).toThrow(/rotationRange must be a number >= 0, got -5/);
    expect(bad({ widthShiftRange: [] })).toThrow(/widthShiftRange must be a number >= 0 or a non-empty list/);
    expect(bad({ brightnessRange: [0.5] })).toThrow(/brightnessRange must be \[low, high\]/);
    expect(bad({ preprocessingFunction: 3 })).toThrow(/preprocessingFunction must be a function/);
  });
});
