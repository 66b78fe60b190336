/** One measured throughput, such as "convkit wasm: 812 samples/s". */
export interface Measurement {
  label: string;
  /** Items per second (higher is better); a benchmark that counts puts its count here, and says so in `unit`. */
  perSecond: number;
  unit: string;
  /** Extra facts worth printing (peak memory, threads). */
  note?: string;
}

/** A ratio between two measurements of the same run, `of` over `over`. */
export interface Ratio {
  of: string;
  over: string;
  /** The goal the ratio should reach, if the issue set one. */
  goal?: number;
}

/** What a benchmark reports: its measurements, the ratios to print, and notes (such as skipped peers). */
export interface BenchmarkResult {
  measurements: Measurement[];
  ratios: Ratio[];
  notes?: string[];
}

/**
 * True with `--gpu-only` on the command line: benchmarks with GPU rows skip their CPU rows, so
 * that a GPU machine lent for minutes spends them on the GPU figures.
 */
export const GPU_ONLY = process.argv.includes('--gpu-only');

/** A named benchmark that `pnpm bench` can run. */
export interface Benchmark {
  name: string;
  description: string;
  /** Long runs (minutes to half an hour) that `pnpm bench` skips unless named. */
  onlyByName?: boolean;
  run(): Promise<BenchmarkResult>;
}

/**
 * Times `step` (one unit of work of `itemsPerStep` items) after `warmup` untimed calls,
 * for at least `minSeconds` and `minSteps`, and returns items per second.
 */
export async function throughput(
  step: () => unknown | Promise<unknown>,
  { itemsPerStep = 1, warmup = 1, minSteps = 3, minSeconds = 2 } = {},
): Promise<number> {
  for (let i = 0; i < warmup; i++) await step();
  let steps = 0;
  const start = performance.now();
  while (steps < minSteps || performance.now() - start < minSeconds * 1000) {
    await step();
    steps++;
  }
  return (steps * itemsPerStep) / ((performance.now() - start) / 1000);
}

/** Formats a benchmark's result as text lines: measurements, then ratios with their goals. */
export function formatResult(name: string, result: BenchmarkResult): string {
  const lines = [`== ${name}`];
  for (const m of result.measurements) {
    lines.push(
      `  ${m.label.padEnd(34)} ${m.perSecond.toFixed(1).padStart(10)} ${m.unit}${m.note ? `  (${m.note})` : ''}`,
    );
  }
  const byLabel = new Map(result.measurements.map((m) => [m.label, m.perSecond]));
  for (const r of result.ratios) {
    const of = byLabel.get(r.of);
    const over = byLabel.get(r.over);
    if (of === undefined || over === undefined) continue;
    const ratio = of / over;
    const goal = r.goal === undefined ? '' : `  goal >= ${r.goal}: ${ratio >= r.goal ? 'met' : 'NOT met'}`;
    lines.push(`  ratio ${`${r.of} / ${r.over}`.padEnd(50)} ${ratio.toFixed(3)}${goal}`);
  }
  for (const note of result.notes ?? []) lines.push(`  note: ${note}`);
  return lines.join('\n');
}

/**
 * Measures several contenders in alternating rounds (A, B, C, A, B, C, ...) so that load that
 * comes and goes on a shared machine falls on all of them, and reports each one's median with
 * the range over the rounds. A contender that returns undefined is left out (its reason is
 * the caller's to note).
 */
export async function alternate(
  rounds: number,
  contenders: { label: string; unit: string; note?: string; measure: () => Promise<number | undefined> }[],
): Promise<Measurement[]> {
  const runs = new Map<string, number[]>(contenders.map((c) => [c.label, []]));
  for (let r = 0; r < rounds; r++) {
    for (const c of contenders) {
      const value = await c.measure();
      if (value !== undefined) runs.get(c.label)!.push(value);
    }
  }
  return contenders.flatMap((c) => {
    const values = [...runs.get(c.label)!].sort((a, b) => a - b);
    if (values.length === 0) return [];
    const median = values[Math.floor((values.length - 1) / 2)];
    const range =
      values.length > 1
        ? `median of ${values.length} rounds, ${values[0].toFixed(1)}-${values[values.length - 1].toFixed(1)}`
        : '1 round';
    return [
      { label: c.label, perSecond: median, unit: c.unit, note: c.note ? `${range}; ${c.note}` : range },
    ];
  });
}
