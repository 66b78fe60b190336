import { describe, expect, it } from 'vitest';
import { alternate, formatResult, throughput } from './harness';

describe('bench harness', () => {
  it('prints measurements and ratios from the same run, with goals', () => {
    const text = formatResult('demo', {
      measurements: [
        { label: 'convkit wasm', perSecond: 300, unit: 'samples/s' },
        { label: 'PyTorch CPU', perSecond: 1000, unit: 'samples/s' },
      ],
      ratios: [
        { of: 'convkit wasm', over: 'PyTorch CPU', goal: 0.25 },
        { of: 'convkit wasm', over: 'missing peer' },
      ],
      notes: ['tfjs-layers skipped: not installed'],
    });
    expect(text).toMatch(/ratio convkit wasm \/ PyTorch CPU\s+0\.300 {2}goal >= 0\.25: met/);
    expect(text).not.toContain('missing peer');
    expect(text).toContain('note: tfjs-layers skipped');
  });

  it('measures items per second over the timed steps only', async () => {
    let calls = 0;
    const rate = await throughput(
      async () => {
        calls++;
        await new Promise((r) => setTimeout(r, 20));
      },
      { itemsPerStep: 10, warmup: 2, minSteps: 5, minSeconds: 0.05 },
    );
    expect(calls).toBeGreaterThanOrEqual(7);
    expect(rate).toBeGreaterThan(100);
    expect(rate).toBeLessThan(550);
  });
});

describe('alternate', () => {
  it('runs contenders in turn each round and reports medians with their range', async () => {
    const order: string[] = [];
    const values = { a: [3, 1, 2], b: [10, 30, 20] };
    const measure = (k: 'a' | 'b') => async () => {
      order.push(k);
      return values[k].shift();
    };
    const ms = await alternate(3, [
      { label: 'a', unit: 'x/s', measure: measure('a') },
      { label: 'b', unit: 'x/s', note: 'peer', measure: measure('b') },
      { label: 'skipped', unit: 'x/s', measure: async () => undefined },
    ]);
    expect(order).toEqual(['a', 'b', 'a', 'b', 'a', 'b']);
    expect(ms.map((m) => [m.label, m.perSecond])).toEqual([
      ['a', 2],
      ['b', 20],
    ]);
    expect(ms[1].note).toBe('median of 3 rounds, 10.0-30.0; peer');
  });
});
