/** Thrown when the user pressed Ctrl-C and the command stopped cleanly: exit code 130. */
export class InterruptedError extends Error {
  override readonly name = 'InterruptedError';
}

/**
 * Catches Ctrl-C (SIGINT) while `body` runs: the first one aborts `signal` so the command can
 * stop at a safe point (save a checkpoint, finish the file it is writing); a second one exits
 * at once with 130. The handler is removed when `body` settles.
 */
export async function withInterrupts<T>(body: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onSigint = () => {
    if (controller.signal.aborted) {
      process.stderr.write('\nconvkit: interrupted again; exiting now.\n');
      process.exit(130);
    }
    process.stderr.write(
      '\nconvkit: interrupted; stopping at the next safe point (Ctrl-C again to quit now)...\n',
    );
    controller.abort(new InterruptedError('Interrupted by Ctrl-C.'));
  };
  process.on('SIGINT', onSigint);
  try {
    return await body(controller.signal);
  } finally {
    process.off('SIGINT', onSigint);
  }
}
