import { describe, expect, it } from 'vitest';
import { createProgress, formatDuration } from './progress';

function fakeStream(isTTY: boolean) {
  const lines: string[] = [];
  const stream = { isTTY, write: (s: string) => lines.push(s) } as unknown as NodeJS.WriteStream;
  return { stream, lines };
}

describe('progress', () => {
  it('formats durations', () => {
    expect(formatDuration(42.4)).toBe('42s');
    expect(formatDuration(185)).toBe('3m05s');
    expect(formatDuration(3720)).toBe('1h02m');
    expect(formatDuration(Number.NaN)).toBe('?');
  });

  it('prints plain lines with rate and ETA when not on a terminal', () => {
    let t = 0;
    const { stream, lines } = fakeStream(false);
    const p = createProgress({
      label: 'epoch 1/2',
      total: 100,
      unit: 'steps',
      stream,
      plainInterval: 10,
      now: () => t,
    });
    for (let i = 1; i <= 100; i++) {
      t += 250; // 4 steps/s
      p.increment(`loss ${(1 / i).toFixed(2)}`);
    }
    p.stop();
    expect(lines.length).toBe(3); // at 10 s, 20 s, and the final line
    expect(lines[0]).toBe('epoch 1/2: 40/100 steps (40%), 4.00 steps/s, ETA 15s, loss 0.03\n');
    expect(lines[2]).toBe('epoch 1/2: 100/100 steps (100%), 4.00 steps/s, took 25s, loss 0.01\n');
  });
});
