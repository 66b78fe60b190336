/** What kind of problem stopped a split; lets a CLI pick an exit code or a hint. */
export type DataSplitErrorCode =
  | 'bad-option'
  | 'source'
  | 'layout'
  | 'too-few'
  | 'unreadable'
  | 'destination-inside-source'
  | 'conflict'
  | 'journal'
  | 'changed'
  | 'aborted';

const MAX_LISTED = 20;

/**
 * Thrown by splitDataset and rollbackSplit for anything a user can fix. The message says what was
 * wrong and what to do; `problems` lists every offending file or class (the message shows the first 20).
 */
export class DataSplitError extends Error {
  override readonly name = 'DataSplitError';

  constructor(
    /** The kind of problem. */
    readonly code: DataSplitErrorCode,
    summary: string,
    /** One line per offending file, class or option. */
    readonly problems: string[] = [],
    options?: { cause?: unknown },
  ) {
    super(formatMessage(summary, problems), options);
  }
}

function formatMessage(summary: string, problems: string[]): string {
  if (problems.length === 0) return summary;
  const shown = problems.slice(0, MAX_LISTED).map((p) => `  - ${p}`);
  if (problems.length > MAX_LISTED) shown.push(`  ... and ${problems.length - MAX_LISTED} more`);
  return `${summary}\n${shown.join('\n')}`;
}
