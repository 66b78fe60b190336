import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { CliContext } from './context';

function contextFor(args: string[], defaults?: { seed?: number }): CliContext {
  const command = new Command().option('--seed <n>').exitOverride();
  command.parse(args, { from: 'user' });
  return new CliContext(command, process.stdout, process.stderr, defaults);
}

describe('CliContext seed', () => {
  it('takes --seed, else the command default, else a random one', () => {
    expect(contextFor(['--seed', '5'], { seed: 1 }).seed).toBe(5);
    expect(contextFor([], { seed: 1 }).seed).toBe(1);
    const seeds = new Set(Array.from({ length: 5 }, () => contextFor([]).seed));
    expect(seeds.size).toBeGreaterThan(1);
  });

  it('rejects a seed that is not a non-negative integer, naming it', () => {
    expect(() => contextFor(['--seed', '-3'], { seed: 1 })).toThrow(/--seed must be an integer .* got '-3'/);
  });
});
