/**
 * Thrown when an image file cannot be read or decoded (missing, corrupt, truncated, unsupported);
 * the message names the file and what was wrong.
 */
export class ImageDecodeError extends Error {
  override readonly name = 'ImageDecodeError';

  constructor(
    /** The file (or a description of the bytes) that failed. */
    readonly file: string,
    /** What was wrong with it. */
    readonly reason: string,
    cause?: unknown,
  ) {
    super(`Cannot read image ${file}: ${reason}.`, { cause });
  }
}
