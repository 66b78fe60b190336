import { conv2d, maxPooling2d, sequential } from '@convkit/layers';
import { initBackend } from '@convkit/tensor';
import { expectNoLeakedTensors } from '@convkit/tensor/testing';
import { describe, expect, it } from 'vitest';
import { filterGrid } from './filter-grid';

describe('on wasm', () => {
  it('finds the filter patterns the cpu backend finds, without leaks', async () => {
    await initBackend('cpu');
    const model = sequential([
      conv2d({
        filters: 4,
        kernelSize: 3,
        activation: 'relu',
        padding: 'same',
        inputShape: [null, null, 3],
        seed: 1,
      }),
      maxPooling2d({ poolSize: 2 }),
      conv2d({ filters: 6, kernelSize: 3, activation: 'relu', padding: 'same', name: 'probe', seed: 2 }),
    ]);
    const options = { count: 6, size: 12, steps: 5, seed: 3 };
    const cpu = await filterGrid(model, 'probe', options);
    await initBackend('wasm');
    const wasm = await expectNoLeakedTensors(() => filterGrid(model, 'probe', options));
    for (const [k, p] of wasm.patterns.entries()) {
      const ref = cpu.patterns[k];
      for (let i = 0; i < p.losses.length; i++) expect(p.losses[i]).toBeCloseTo(ref.losses[i], 3);
      // deprocessed bytes: equal up to rounding at the truncation boundary
      let off = 0;
      for (let i = 0; i < p.pixels.data.length; i++)
        if (Math.abs(p.pixels.data[i] - ref.pixels.data[i]) > 1) off++;
      expect(off).toBe(0);
    }
    model.dispose();
  });
});
