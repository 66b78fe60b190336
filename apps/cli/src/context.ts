import { type BackendInfo, createRandom, initBackend, type Random } from '@convkit/tensor';
import type { Command } from 'commander';
import { CliUsageError } from './errors';
import { createProgress, type Progress, silentProgress } from './ui/progress';

/** Options every convkit command takes (declared once on the program). */
export interface GlobalOptions {
  backend?: string;
  seed?: string;
  json?: boolean;
  quiet?: boolean;
  out?: string;
  force?: boolean;
  debug?: boolean;
}

/**
 * What a command needs from the terminal: logs (stdout, or stderr with --json; none with
 * --quiet), warnings (stderr), results (JSON on stdout with --json), progress displays, the
 * seed and the backend.
 */
export class CliContext {
  readonly options: GlobalOptions;
  /** The seed given with --seed (a number), else the command's default, else a random one. */
  readonly seed: number;
  private backendInfo?: BackendInfo;

  constructor(
    command: Command,
    readonly stdout: NodeJS.WriteStream = process.stdout,
    readonly stderr: NodeJS.WriteStream = process.stderr,
    defaults: { seed?: number } = {},
  ) {
    this.options = command.optsWithGlobals<GlobalOptions>();
    this.seed =
      this.options.seed === undefined && defaults.seed !== undefined
        ? defaults.seed
        : parseSeed(this.options.seed);
  }

  /** Where logs and progress go: stderr with --json (stdout then holds only the results). */
  get logStream(): NodeJS.WriteStream {
    return this.options.json ? this.stderr : this.stdout;
  }

  /** One line of information (hidden with --quiet). */
  log(line: string): void {
    if (!this.options.quiet) this.logStream.write(`${line}\n`);
  }

  /** A warning: always shown, on stderr. */
  warn(line: string): void {
    this.stderr.write(`convkit: warning: ${line}\n`);
  }

  /** The command's result: JSON on stdout with --json, otherwise the given lines on stdout. */
  result(value: unknown, lines: string[] = []): void {
    if (this.options.json) this.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
    else if (lines.length > 0) this.stdout.write(`${lines.join('\n')}\n`);
  }

  /** A progress display for a loop (a bar on a terminal, plain lines otherwise, none with --quiet). */
  progress(label: string, total: number, unit: string, { finalLine = true } = {}): Progress {
    if (this.options.quiet) return silentProgress;
    return createProgress({ label, total, unit, stream: this.logStream, finalLine });
  }

  /** A seeded random generator for one purpose (`label` keeps streams independent). */
  random(label: string): Random {
    return createRandom(`${this.seed}:${label}`);
  }

  /** Starts the backend named by --backend (auto by default) once and logs its summary line. */
  async startBackend(): Promise<BackendInfo> {
    if (!this.backendInfo) {
      this.backendInfo = await initBackend(this.options.backend ?? 'auto');
      this.log(this.backendInfo.summary);
    }
    return this.backendInfo;
  }
}

/** Parses --seed: a non-negative integer; without it, a random seed (so runs differ, as in Keras). */
export function parseSeed(text: string | undefined): number {
  if (text === undefined) return Math.floor(Math.random() * 2 ** 31);
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n >= 2 ** 32) {
    throw new CliUsageError(`--seed must be an integer from 0 to 4294967295, got '${text}'.`);
  }
  return n;
}

/** Parses a positive integer option such as --epochs, naming the option when it is not one. */
export function positiveInt(name: string, text: string | number | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1)
    throw new CliUsageError(`${name} must be a positive integer, got '${text}'.`);
  return n;
}

/** Parses a number option within [min, max], naming the option when it is out of range. */
export function numberIn(
  name: string,
  text: string | number | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isFinite(n) || n < min || n > max) {
    throw new CliUsageError(`${name} must be a number from ${min} to ${max}, got '${text}'.`);
  }
  return n;
}
