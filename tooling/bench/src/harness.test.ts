import { describe, expect, it } from 'vitest';
import { formatResult, throughput } from './harness';

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
