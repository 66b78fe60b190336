// Node-only: finds Keras's VGG16 weights in the Keras cache, or downloads them there. Re-exported by node.ts.
import { existsSync } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { ConvkitUsageError } from '@convkit/tensor';
import { type DownloadProgress, downloadFile, md5OfFile } from './download';
import { VGG16_WEIGHTS_NOTOP, VGG16_WEIGHTS_TOP, vgg16WeightsFile } from './weight-files';

/**
 * Keras's cache folder for model weights: `$KERAS_HOME/models` when KERAS_HOME is set, else
 * `~/.keras/models` (where `keras.applications.VGG16(weights='imagenet')` keeps its downloads).
 */
export function kerasModelsDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.KERAS_HOME || join(homedir(), '.keras'), 'models');
}

/** Options of {@link resolveVgg16Weights}. */
export interface ResolveWeightsOptions {
  /** With the classifier (fc1, fc2, predictions: the 528 MiB file) or the conv base only (56 MiB). Default true. */
  includeTop?: boolean;
  /** 'imagenet' (default): Keras's file from the cache, else downloaded; or a path or http(s) URL of a .h5 file. */
  weights?: string;
  /** Where to look for and keep downloads (default {@link kerasModelsDir}). */
  cacheDir?: string;
  /** Download from this folder URL instead of Keras's (a mirror; tests use a local server). */
  baseUrl?: string;
  /** Expected md5 of the file (default Keras's for the two VGG16 files; tests inject their own). */
  md5?: string;
  /** Expected size in bytes (default Keras's for the two VGG16 files). */
  bytes?: number;
  /** Check the md5 of a file found in the cache (default true; costs a read of the file). */
  verify?: boolean;
  /** Progress of a download (see {@link progressBar}). */
  onProgress?: (p: DownloadProgress) => void;
  /** Resumes allowed after dropped connections (default 5). */
  retries?: number;
  /** First wait before a resume, ms (default 500). */
  retryDelayMs?: number;
  /** The fetch to download with (default the global fetch). */
  fetch?: typeof fetch;
}

/**
 * The path of a VGG16 weights file on disk, the way Keras finds it: a path the user gives is
 * used as it is; 'imagenet' looks in the Keras cache (`~/.keras/models` or `$KERAS_HOME/models`)
 * and otherwise downloads Keras's file there from Keras's URL (or `baseUrl`), checking its md5;
 * a URL is downloaded into the cache under its file name. Downloads are atomic and resumable.
 */
export async function resolveVgg16Weights(opts: ResolveWeightsOptions = {}): Promise<string> {
  const { includeTop = true, weights = 'imagenet', verify = true } = opts;
  const isUrl = /^https?:\/\//i.test(weights);
  if (weights !== 'imagenet' && !isUrl) {
    if (!existsSync(weights)) {
      throw new ConvkitUsageError(
        `VGG16 weights file not found: ${weights}. Pass weights: 'imagenet' to use Keras's cache (${kerasModelsDir()}) or download, a path to an existing .h5 file, or an http(s) URL.`,
      );
    }
    return weights;
  }
  const known = vgg16WeightsFile(includeTop);
  const fileName = isUrl ? decodeURIComponent(basename(new URL(weights).pathname)) : known.fileName;
  if (!fileName) throw new ConvkitUsageError(`Cannot tell a file name from the weights URL ${weights}.`);
  const knownByName = [VGG16_WEIGHTS_TOP, VGG16_WEIGHTS_NOTOP].find((f) => f.fileName === fileName);
  const md5 = opts.md5 ?? knownByName?.md5;
  const bytes = opts.bytes ?? (opts.md5 === undefined ? knownByName?.bytes : undefined);
  const url = isUrl
    ? weights
    : `${opts.baseUrl ? opts.baseUrl.replace(/\/?$/, '/') : known.url.slice(0, -known.fileName.length)}${fileName}`;

  const cacheDir = opts.cacheDir ?? (await writableCacheDir());
  const cached = join(cacheDir, fileName);
  if (existsSync(cached)) {
    if (verify && md5 !== undefined) {
      const found = await md5OfFile(cached);
      if (found !== md5.toLowerCase()) {
        const size = (await stat(cached)).size;
        throw new ConvkitUsageError(
          `The cached weights file ${cached} (${size} bytes) has md5 ${found}, expected ${md5}: it is incomplete or corrupt. Delete it to download it again.`,
        );
      }
    }
    return cached;
  }
  await mkdir(cacheDir, { recursive: true });
  await downloadFile(url, cached, {
    md5,
    bytes,
    onProgress: opts.onProgress,
    retries: opts.retries,
    retryDelayMs: opts.retryDelayMs,
    fetch: opts.fetch,
  });
  return cached;
}

/** Keras's models folder, or (like Keras) `<tmp>/.keras/models` when the home folder is not writable. */
async function writableCacheDir(): Promise<string> {
  const dir = kerasModelsDir();
  try {
    await mkdir(dir, { recursive: true });
    return dir;
  } catch {
    return join(tmpdir(), '.keras', 'models');
  }
}

/**
 * A progress callback that draws a download bar on stderr (`[#####-----] 45% 250.1/553.5 MB`),
 * redrawn in place on a terminal and printed every 10% otherwise.
 */
export function progressBar(
  label: string,
  out: NodeJS.WriteStream = process.stderr,
): (p: DownloadProgress) => void {
  let lastDecile = -1;
  return ({ received, total, resumedAt }) => {
    const mb = (n: number) => (n / 1e6).toFixed(1);
    if (resumedAt !== undefined)
      out.write(`${out.isTTY ? '\n' : ''}${label}: connection dropped, resuming at ${mb(resumedAt)} MB\n`);
    const frac = total ? received / total : 0;
    const bar = `${label} [${'#'.repeat(Math.round(frac * 30)).padEnd(30, '-')}] ${total ? `${Math.floor(frac * 100)}% ${mb(received)}/${mb(total)} MB` : `${mb(received)} MB`}`;
    if (out.isTTY) {
      out.write(`\r${bar}${total !== undefined && received >= total ? '\n' : ''}`);
    } else {
      const decile = Math.floor(frac * 10);
      if (decile !== lastDecile) {
        lastDecile = decile;
        out.write(`${bar}\n`);
      }
    }
  };
}
