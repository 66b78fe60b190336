import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { initBackend } from '@convkit/tensor';
import * as tf from '@tensorflow/tfjs-core';
// The bench has no package dependency on image-augment/image-io; it runs their source through tsx.
import { imageDataGenerator } from '../../../../packages/image-augment/src/node';
import { CHAPTER_AUGMENTATION, makePhotoFolder } from '../cats-dogs-data';
import type { Benchmark, Measurement } from '../harness';

const PYTHON = process.env.CONVKIT_BENCH_PYTHON ?? '/usr/bin/python3';
const PER_CLASS = 250;
/** Seconds each side is timed per round (CONVKIT_BENCH_SECONDS overrides, for a quick look). */
const SECONDS = Number(process.env.CONVKIT_BENCH_SECONDS ?? 3);
/** Rounds, each timing Keras, convkit wasm and convkit cpu in turn. */
const ROUNDS = 5;
const BATCH = 32;

function kerasUnavailable(): string | undefined {
  if (!existsSync(PYTHON)) return `${PYTHON} not found (install Debian's python3-keras-preprocessing)`;
  const r = spawnSync(PYTHON, ['-c', 'import keras_preprocessing.image, scipy, PIL'], { encoding: 'utf8' });
  return r.status === 0
    ? undefined
    : `${PYTHON} cannot import keras_preprocessing/scipy/PIL (apt-get install python3-keras-preprocessing python3-scipy python3-pil)`;
}

/** One timed round: images per second and CPU milliseconds per image (all threads of the process). */
interface Round {
  perSecond: number;
  cpuMsPerImage: number;
}

/**
 * Keras's flow_from_directory in a Python process that stays up between rounds: each line
 * written to it runs one timed round (after one untimed batch) and answers with a JSON line.
 */
function startKeras(dir: string): { round(): Promise<Round>; close(): void } {
  const code = `
import json, sys, time
from keras_preprocessing.image import ImageDataGenerator
g = ImageDataGenerator(rescale=1/255, rotation_range=40, width_shift_range=0.2, height_shift_range=0.2,
                       shear_range=0.2, zoom_range=0.2, horizontal_flip=True, fill_mode='nearest')
it = g.flow_from_directory(${JSON.stringify(dir)}, target_size=(150, 150), batch_size=${BATCH}, class_mode='binary', seed=1)
for line in sys.stdin:
    next(it)
    n, start, cpu = 0, time.time(), time.process_time()
    while n < 3 * ${BATCH} or time.time() - start < float(line):
        x, y = next(it)
        n += len(x)
    print(json.dumps({"perSecond": n / (time.time() - start), "cpuMsPerImage": 1000 * (time.process_time() - cpu) / n}), flush=True)`;
  const child = spawn(PYTHON, ['-c', code], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const lines = createInterface({ input: child.stdout });
  const waiting: ((line: string) => void)[] = [];
  lines.on('line', (line) => {
    if (line.startsWith('{')) waiting.shift()?.(line);
  });
  return {
    round: () =>
      new Promise<Round>((resolve, reject) => {
        child.once('exit', (status) => reject(new Error(`Keras reference exited (${status}): ${stderr}`)));
        waiting.push((line) => resolve(JSON.parse(line) as Round));
        child.stdin.write(`${SECONDS}\n`);
      }),
    close: () => {
      child.stdin.end();
      child.kill();
    },
  };
}

async function convkitRound(dir: string): Promise<Round> {
  const train = imageDataGenerator(CHAPTER_AUGMENTATION).flowFromDirectory(dir, {
    targetSize: [150, 150],
    batchSize: BATCH,
    classMode: 'binary',
    seed: 1,
    onInfo: () => {},
  });
  const batches = train[Symbol.asyncIterator]();
  tf.dispose((await batches.next()).value as tf.Tensor[]);
  let n = 0;
  const start = performance.now();
  const cpu = process.cpuUsage();
  while (n < 3 * BATCH || performance.now() - start < SECONDS * 1000) {
    const [x, y] = (await batches.next()).value as tf.Tensor[];
    n += x.shape[0];
    // Read the pixels, as a training step would, so no work is left pending.
    x.dataSync();
    tf.dispose([x, y]);
  }
  const perSecond = n / ((performance.now() - start) / 1000);
  const used = process.cpuUsage(cpu);
  await batches.return?.();
  return { perSecond, cpuMsPerImage: (used.user + used.system) / 1000 / n };
}

const median = (values: number[]) => {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Augmented 150x150 RGB images per second through flowFromDirectory, against Keras on the same JPEGs. */
export const augmentThroughput: Benchmark = {
  name: 'augment-throughput',
  description: `flowFromDirectory with the chapter's augmentation, ${2 * PER_CLASS} JPEGs -> 150x150 RGB batches of ${BATCH}, images/s`,
  async run() {
    const dir = await mkdtemp(join(tmpdir(), 'convkit-augment-bench-'));
    const measurements: Measurement[] = [];
    const notes: string[] = [];
    const why = kerasUnavailable();
    let keras: ReturnType<typeof startKeras> | undefined;
    try {
      await makePhotoFolder(dir, PER_CLASS, 'augment-throughput');
      keras = why ? undefined : startKeras(dir);
      if (why) notes.push(`Keras skipped: ${why}`);
      // Rounds alternate Keras, wasm and cpu, so a load change on a shared machine hits every side alike.
      const rounds: Record<string, Round[]> = { keras: [], wasm: [], cpu: [] };
      for (let r = 0; r < ROUNDS; r++) {
        if (keras) rounds.keras.push(await keras.round());
        for (const backend of ['wasm', 'cpu'] as const) {
          await initBackend(backend);
          rounds[backend].push(await convkitRound(dir));
        }
      }
      const describe = (rs: Round[]) =>
        `median of ${rs.length} rounds: ${rs.map((x) => x.perSecond.toFixed(0)).join(', ')}; CPU ${median(rs.map((x) => x.cpuMsPerImage)).toFixed(2)} ms/image`;
      for (const backend of ['wasm', 'cpu'] as const) {
        measurements.push({
          label: `convkit ${backend}`,
          perSecond: median(rounds[backend].map((x) => x.perSecond)),
          unit: 'images/s',
          note: describe(rounds[backend]),
        });
      }
      if (keras) {
        measurements.push({
          label: 'Keras flow_from_directory',
          perSecond: median(rounds.keras.map((x) => x.perSecond)),
          unit: 'images/s',
          note: `keras_preprocessing 1.1.0, PIL + scipy, one thread; ${describe(rounds.keras)}`,
        });
        for (const backend of ['wasm', 'cpu'] as const) {
          const perRound = rounds[backend].map((x, i) => x.perSecond / rounds.keras[i].perSecond);
          notes.push(
            `convkit ${backend} / Keras round by round: ${perRound.map((x) => x.toFixed(2)).join(', ')} (median ${median(perRound).toFixed(2)})`,
          );
        }
      }
      notes.push(
        "convkit decodes JPEGs on sharp's libuv threads while the main thread warps (one tf.image.transform per image); both sides read, resize (nearest), augment and rescale every image. CPU ms/image counts every thread of the process: it varies less with machine load than images/s.",
      );
    } finally {
      keras?.close();
      await rm(dir, { recursive: true, force: true });
    }
    return {
      measurements,
      ratios: [
        { of: 'convkit wasm', over: 'Keras flow_from_directory', goal: 1 },
        { of: 'convkit cpu', over: 'Keras flow_from_directory', goal: 1 },
      ],
      notes,
    };
  },
};
