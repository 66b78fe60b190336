/** One measured throughput, such as "convkit wasm: 812 samples/s". */
export interface Measurement {
  label: string;
  /** Items per second (higher is better). */
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
