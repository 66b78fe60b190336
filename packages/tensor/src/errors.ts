import type { BackendName } from './backend-names';

/** Thrown when a backend was asked for by name and cannot start; the message says what to do. */
export class BackendUnavailableError extends Error {
  override readonly name = 'BackendUnavailableError';
  /** The npm package(s) a user must install to get the backend, when that is the fix. */
  readonly install?: string;
  /** True when the backend's package is not installed at all (as opposed to installed but failing). */
  readonly notInstalled: boolean;

  constructor(
    /** The backend that was asked for. */
    readonly backend: BackendName,
    message: string,
    options: { install?: string; notInstalled?: boolean; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.install = options.install;
    this.notInstalled = options.notInstalled ?? false;
  }
}

/** Thrown for an argument a user got wrong (unknown name, bad shape); the message says what was expected. */
export class ConvkitUsageError extends Error {
  override readonly name = 'ConvkitUsageError';
}
