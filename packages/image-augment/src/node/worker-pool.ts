import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { AugmentRequest, AugmentResponse } from './worker-protocol';

/** An augmentation worker could not start or died; the batch was not made. */
export class AugmentWorkerError extends Error {
  override readonly name = 'AugmentWorkerError';

  constructor(
    message: string,
    options?: { cause?: unknown },
    /** True when closeAugmentWorkers stopped the worker (nothing is wrong with it). */
    readonly closed = false,
  ) {
    super(message, options);
  }
}

interface Pending {
  resolve: (response: AugmentResponse) => void;
  reject: (error: Error) => void;
}

interface Slot {
  worker: Worker;
  pending: Map<number, Pending>;
}

/**
 * The worker script, next to this module: dist/augment-worker.js when built. Running convkit's
 * TypeScript sources (its tests and benchmarks), the worker is the .ts file, loaded through tsx
 * (tsx's loader does not reach worker threads by itself).
 */
function startWorker(): Worker {
  const here = import.meta.url;
  const fromSource = /\.ts$/.test(new URL(here).pathname);
  const script = new URL(fromSource ? './augment-worker.ts' : './augment-worker.js', here);
  if (!fromSource) return new Worker(script);
  let tsx: string;
  try {
    // tsx's ESM register API (its CommonJS build cannot load in an ES module worker).
    const manifest = createRequire(here).resolve('tsx/package.json');
    const { exports } = JSON.parse(readFileSync(manifest, 'utf8'));
    tsx = pathToFileURL(join(dirname(manifest), exports['./esm/api'].import.default)).href;
  } catch (cause) {
    throw new AugmentWorkerError(
      'running @convkit/image-augment from its TypeScript sources needs tsx to load the augmentation worker (pnpm add -D tsx)',
      { cause },
    );
  }
  const code = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(script.href)}); })`;
  return new Worker(code, { eval: true });
}

/**
 * Worker threads that read, decode and augment batches of image files. Jobs go to the worker
 * with the fewest in flight; a worker keeps the process alive only while it has work.
 */
export class AugmentWorkerPool {
  private readonly slots: Slot[] = [];
  private nextId = 0;

  constructor(private size: number) {}

  /** Number of workers the pool may start. */
  get capacity(): number {
    return this.size;
  }

  /** Lets the pool start up to `size` workers. */
  grow(size: number): void {
    this.size = Math.max(this.size, size);
  }

  /** Runs one batch on a worker. Rejects with AugmentWorkerError if the worker fails. */
  run(request: Omit<AugmentRequest, 'id'>): Promise<AugmentResponse> {
    let slot: Slot;
    try {
      slot = this.pick();
    } catch (error) {
      return Promise.reject(
        error instanceof AugmentWorkerError ? error : new AugmentWorkerError(String(error), { cause: error }),
      );
    }
    const id = this.nextId++;
    return new Promise<AugmentResponse>((resolve, reject) => {
      slot.pending.set(id, { resolve, reject });
      slot.worker.ref();
      slot.worker.postMessage({ ...request, id } satisfies AugmentRequest);
    });
  }

  /** Stops every worker (work in flight is rejected). The pool starts new ones when asked again. */
  async close(): Promise<void> {
    const slots = this.slots.splice(0);
    for (const slot of slots) {
      this.fail(slot, new AugmentWorkerError('the augmentation workers were closed', {}, true));
    }
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }

  private pick(): Slot {
    const idle = this.slots.find((s) => s.pending.size === 0);
    if (idle) return idle;
    if (this.slots.length < this.size) return this.start();
    return this.slots.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
  }

  private start(): Slot {
    const worker = starter();
    const slot: Slot = { worker, pending: new Map() };
    worker.on('message', (response: AugmentResponse) => {
      const job = slot.pending.get(response.id);
      if (!job) return;
      slot.pending.delete(response.id);
      if (slot.pending.size === 0) worker.unref();
      if (response.error) {
        const error = new Error(response.error.message);
        if (response.error.stack) error.stack = response.error.stack;
        job.reject(error);
      } else job.resolve(response);
    });
    worker.on('error', (error) => this.retire(slot, error));
    worker.on('exit', (code) => this.retire(slot, new Error(`the worker exited with code ${code}`)));
    this.slots.push(slot);
    return slot;
  }

  private retire(slot: Slot, cause: Error): void {
    const i = this.slots.indexOf(slot);
    if (i >= 0) this.slots.splice(i, 1);
    this.fail(slot, new AugmentWorkerError(`augmentation worker failed: ${cause.message}`, { cause }));
  }

  private fail(slot: Slot, error: Error): void {
    for (const job of slot.pending.values()) job.reject(error);
    slot.pending.clear();
    slot.worker.unref();
  }
}

let shared: AugmentWorkerPool | undefined;
let starter: () => Worker = startWorker;

/** Tests only (not exported by the package): replaces how workers start (undefined restores it). */
export function setWorkerStarterForTests(start?: () => Worker): void {
  starter = start ?? startWorker;
}

/** The process-wide pool that flowFromDirectory iterators share, grown to at least `size` workers. */
export function sharedAugmentWorkers(size: number): AugmentWorkerPool {
  if (!shared) shared = new AugmentWorkerPool(size);
  else shared.grow(size);
  return shared;
}

/**
 * Stops flowFromDirectory's worker threads now (they otherwise stay, idle and not keeping the
 * process alive, for the next batches). Batches in flight are made on the calling thread instead;
 * later batches start workers again.
 */
export async function closeAugmentWorkers(): Promise<void> {
  await shared?.close();
}
