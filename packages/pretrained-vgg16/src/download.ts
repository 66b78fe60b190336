// Node-only: downloads a file with md5 check, resume and atomic rename. Re-exported by node.ts.
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, rename, rm, stat } from 'node:fs/promises';

/** How far a download has got: bytes received so far and the total, when the server said it. */
export interface DownloadProgress {
  received: number;
  total?: number;
  /** Set when this progress report follows a dropped connection that is being resumed. */
  resumedAt?: number;
}

/** Options of {@link downloadFile}. */
export interface DownloadOptions {
  /** The md5 (hex) the finished file must have; without it the file is not checked. */
  md5?: string;
  /** The size in bytes the finished file must have, when known. */
  bytes?: number;
  /** Called as bytes arrive (at most every 64 KiB) and once at the end. */
  onProgress?: (p: DownloadProgress) => void;
  /** How many times to resume after a dropped connection (default 5). */
  retries?: number;
  /** Wait before each resume, in ms (default 500, doubling). */
  retryDelayMs?: number;
  /** The fetch to use (default the global fetch). */
  fetch?: typeof fetch;
}

/** A download that failed: bad status, wrong size or md5, or too many dropped connections. */
export class DownloadError extends Error {
  override name = 'DownloadError';
}

/**
 * Downloads `url` to `dest` the safe way: bytes go to `dest + '.part'`, a dropped connection is
 * resumed with an HTTP Range request (also across runs: an existing .part is continued), and
 * the .part is renamed to `dest` only once its size and md5 match; a file whose md5 differs is
 * deleted and reported. Nothing at `dest` is touched unless the download is complete and valid.
 */
export async function downloadFile(url: string, dest: string, opts: DownloadOptions = {}): Promise<void> {
  const { md5, bytes, onProgress, retries = 5, retryDelayMs = 500 } = opts;
  const doFetch = opts.fetch ?? fetch;
  const part = `${dest}.part`;
  const hash = createHash('md5');
  let received = await hashExisting(part, hash);
  let total = bytes;
  let failures = 0;
  let resumedAt: number | undefined;
  for (;;) {
    if (total !== undefined && received === total) break;
    if (total !== undefined && received > total) {
      await rm(part, { force: true });
      throw new DownloadError(
        `${part} holds ${received} bytes, more than the ${total} expected from ${url}; it was deleted, try again.`,
      );
    }
    let res: Response;
    try {
      res = await doFetch(url, { headers: received > 0 ? { Range: `bytes=${received}-` } : {} });
    } catch (err) {
      failures = await retryOrThrow(err, failures, retries, retryDelayMs, url);
      resumedAt = received;
      continue;
    }
    if (res.status === 416 && received > 0) {
      // Range not satisfiable: the .part already holds the whole file (or more); check it.
      await res.body?.cancel();
      total = received;
      break;
    }
    if (res.status !== 200 && res.status !== 206) {
      await res.body?.cancel();
      throw new DownloadError(`Download of ${url} failed: HTTP ${res.status} ${res.statusText}.`);
    }
    if (res.status === 200 && received > 0) {
      // The server ignored the Range header: start over.
      await res.body?.cancel();
      await rm(part, { force: true });
      return downloadFile(url, dest, opts);
    }
    total ??= totalFrom(res, received);
    const file = await open(part, 'a');
    let lastReport = received;
    try {
      if (!res.body) throw new Error('empty response body');
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        await file.write(chunk);
        hash.update(chunk);
        received += chunk.length;
        if (onProgress && received - lastReport >= 65536) {
          onProgress({ received, total, resumedAt });
          resumedAt = undefined;
          lastReport = received;
        }
      }
    } catch (err) {
      await file.close();
      failures = await retryOrThrow(err, failures, retries, retryDelayMs, url);
      resumedAt = received;
      continue;
    }
    await file.close();
    if (total === undefined || received >= total) {
      total ??= received;
      break;
    }
    // The body ended early without an error: resume.
    failures = await retryOrThrow(
      new Error(`connection closed at byte ${received} of ${total}`),
      failures,
      retries,
      retryDelayMs,
      url,
    );
    resumedAt = received;
  }
  onProgress?.({ received, total });
  if (bytes !== undefined && received !== bytes) {
    await rm(part, { force: true });
    throw new DownloadError(
      `Downloaded ${received} bytes from ${url}, expected ${bytes}; the partial file was deleted.`,
    );
  }
  const digest = hash.digest('hex');
  if (md5 !== undefined && digest !== md5.toLowerCase()) {
    await rm(part, { force: true });
    throw new DownloadError(
      `The file downloaded from ${url} has md5 ${digest}, expected ${md5}: it is corrupt or not the expected file, so it was deleted. Try again, or download it by hand and pass its path.`,
    );
  }
  await rename(part, dest);
}

/** md5 of a file, streamed (never held in memory whole). */
export async function md5OfFile(path: string): Promise<string> {
  const hash = createHash('md5');
  await hashExisting(path, hash);
  return hash.digest('hex');
}

async function hashExisting(path: string, hash: Hash): Promise<number> {
  const size = await stat(path).then(
    (s) => s.size,
    () => -1,
  );
  if (size < 0) return 0;
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return size;
}

function totalFrom(res: Response, received: number): number | undefined {
  const range = res.headers.get('content-range');
  const m = range && /\/(\d+)\s*$/.exec(range);
  if (m) return Number(m[1]);
  const length = res.headers.get('content-length');
  return length === null ? undefined : received + Number(length);
}

async function retryOrThrow(
  err: unknown,
  failures: number,
  retries: number,
  delayMs: number,
  url: string,
): Promise<number> {
  if (failures >= retries) {
    throw new DownloadError(
      `Download of ${url} failed after ${retries} resumed attempt(s): ${err instanceof Error ? err.message : String(err)}. Run again to continue from the .part file.`,
    );
  }
  await new Promise((r) => setTimeout(r, delayMs * 2 ** failures));
  return failures + 1;
}
