import { initBackend } from '@convkit/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildPreset } from './presets';

describe('model presets', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it("mnist is the chapter's first convnet: 93,322 parameters", () => {
    expect(buildPreset('mnist', { inputShape: [28, 28, 1], classes: 10 }).countParams()).toBe(93322);
  });

  it("cats-dogs is the chapter's small convnet: 3,453,121 parameters at 150x150", () => {
    const model = buildPreset('cats-dogs', { inputShape: [150, 150, 3], classes: 2, dropout: 0.5 });
    expect(model.countParams()).toBe(3453121);
    expect(model.layers.map((l) => l.className)).toContain('Dropout');
  });

  it('refuses images too small for the network', () => {
    expect(() => buildPreset('cats-dogs', { inputShape: [40, 40, 3], classes: 2 })).toThrow(/at least 46x46/);
    expect(() => buildPreset('mnist', { inputShape: [16, 16, 1], classes: 10 })).toThrow(/at least 18x18/);
  });
});
