import { BackendUnavailableError, ConvkitUsageError } from '@convkit/tensor';

/** A mistake in how the CLI was called or what it was given: one line, exit code 2. */
export class CliUsageError extends Error {
  override readonly name = 'CliUsageError';
}

/**
 * Error classes (by name) of convkit's packages that mean "the input or an option was wrong":
 * each prints one line and exits 2.
 */
const USER_ERRORS = new Set([
  'CliUsageError',
  'ConvkitUsageError',
  'BackendUnavailableError',
  'DataSplitError',
  'ImageDecodeError',
  'ModelFormatError',
  'IdxFormatError',
  'LayersUsageError',
  'AugmentUsageError',
  'WeightsNotFoundError',
  'DownloadError',
]);

/** True for errors a user caused and can fix (bad argument, missing package or file). */
export function isUserError(error: unknown): boolean {
  return (
    error instanceof CliUsageError ||
    error instanceof ConvkitUsageError ||
    error instanceof BackendUnavailableError ||
    (error instanceof Error && USER_ERRORS.has(error.name))
  );
}

/** True when the command stopped because of Ctrl-C. */
export function isInterrupt(error: unknown): boolean {
  return error instanceof Error && error.name === 'InterruptedError';
}

/** 130 after Ctrl-C, 2 for a user's mistake, 1 for a bug or an unexpected failure. */
export function exitCodeFor(error: unknown): number {
  if (isInterrupt(error)) return 130;
  return isUserError(error) ? 2 : 1;
}

/** One line for a user error, the stack with --debug or for unexpected errors. */
export function formatError(error: unknown, debug: boolean): string {
  const err = error instanceof Error ? error : new Error(String(error));
  if (debug) return err.stack ?? err.message;
  if (isUserError(err) || isInterrupt(err)) return `convkit: ${err.message}`;
  return `convkit: unexpected error: ${err.message}\n(run again with --debug for the stack trace)`;
}
