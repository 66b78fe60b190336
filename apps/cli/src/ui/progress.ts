import cliProgress from 'cli-progress';

/** A progress display for one loop: a bar with rate and ETA on a terminal, plain lines otherwise. */
export interface Progress {
  /** Moves to `value` (of `total`), with an optional short status such as "loss 0.52". */
  update(value: number, status?: string): void;
  /** Moves one step forward. */
  increment(status?: string): void;
  /** Ends the display (prints the final line). */
  stop(): void;
}

/** How a progress display is made: label, total, unit and where it is written. */
export interface ProgressOptions {
  label: string;
  total: number;
  /** What is counted: 'steps', 'images', 'files', 'filters', 'MB'. */
  unit: string;
  stream: NodeJS.WriteStream;
  /** Seconds between plain lines when the stream is not a terminal (10 by default). */
  plainInterval?: number;
  /** Print a last plain line at stop() (default true; loops that log their own summary turn it off). */
  finalLine?: boolean;
  /** For tests: the clock in milliseconds. */
  now?: () => number;
}

/** A display that shows nothing (for --quiet). */
export const silentProgress: Progress = { update() {}, increment() {}, stop() {} };

/** Formats seconds as "42s", "3m05s" or "1h02m". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

function formatRate(rate: number): string {
  return rate >= 100 ? rate.toFixed(0) : rate >= 10 ? rate.toFixed(1) : rate.toFixed(2);
}

/** Starts a progress display: cli-progress's bar on a TTY, one plain line every few seconds otherwise. */
export function createProgress(options: ProgressOptions): Progress {
  const {
    label,
    total,
    unit,
    stream,
    plainInterval = 10,
    finalLine = true,
    now = () => Date.now(),
  } = options;
  const start = now();
  let value = 0;
  let status = '';
  const rate = () => value / Math.max(1e-3, (now() - start) / 1000);
  const eta = () => (value > 0 ? (total - value) / rate() : Number.NaN);

  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        stream,
        format: `${label} [{bar}] {value}/{total} ${unit} | {rate} ${unit}/s | ETA {etaText} {status}`,
        barsize: 24,
        hideCursor: null,
        etaBuffer: 50,
        fps: 8,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0, { rate: '-', etaText: '?', status: '' });
    const payload = () => ({ rate: formatRate(rate()), etaText: formatDuration(eta()), status });
    return {
      update(v, s) {
        value = v;
        if (s !== undefined) status = s;
        bar.update(v, payload());
      },
      increment(s) {
        this.update(value + 1, s);
      },
      stop() {
        bar.update(value, payload());
        bar.stop();
      },
    };
  }

  let lastPrint = start;
  const line = () => {
    const pct = total > 0 ? Math.floor((100 * value) / total) : 100;
    const parts = [`${label}: ${value}/${total} ${unit} (${pct}%)`, `${formatRate(rate())} ${unit}/s`];
    if (value < total) parts.push(`ETA ${formatDuration(eta())}`);
    else parts.push(`took ${formatDuration((now() - start) / 1000)}`);
    if (status) parts.push(status);
    stream.write(`${parts.join(', ')}\n`);
  };
  return {
    update(v, s) {
      value = v;
      if (s !== undefined) status = s;
      if (value < total && now() - lastPrint >= plainInterval * 1000) {
        lastPrint = now();
        line();
      }
    },
    increment(s) {
      this.update(value + 1, s);
    },
    stop() {
      if (finalLine) line();
    },
  };
}
