import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '@convkit/tensor';
import * as tf from '@tensorflow/tfjs-core';
// The bench has no package dependency on these packages; it runs their sources through tsx.
import {
  type ImageDataGeneratorOptions,
  imageDataGenerator,
} from '../../../../packages/image-augment/src/node';
import {
  type Callback,
  chapterConvnet,
  rmsprop,
  type Sequential,
  setSeed,
} from '../../../../packages/layers/src/index';
import { CHAPTER_AUGMENTATION, makePhotoFolder } from '../cats-dogs-data';
import type { Benchmark, Measurement } from '../harness';

/** JPEGs per class in the made-up cats/dogs folder. */
const PER_CLASS = 100;
/** Batch size (the chapter's listing 5.12 uses 32 for the augmented run). */
const BATCH = 32;
/** Timed training steps per round and side, after one untimed step (CONVKIT_BENCH_AUGFIT_STEPS overrides). */
const STEPS = Number(process.env.CONVKIT_BENCH_AUGFIT_STEPS ?? 3);
/** Rounds; each trains every side in turn, so a load change on the shared machine hits all alike. */
const ROUNDS = Number(process.env.CONVKIT_BENCH_AUGFIT_ROUNDS ?? 3);

const RESCALE_ONLY: ImageDataGeneratorOptions = { rescale: 1 / 255 };

const AUGMENTED = 'fit, chapter augmentation';
const PLAIN = 'fit, rescale only';
const ON_THREAD = 'fit, augmentation, workers: 0';
const IN_MEMORY = 'fit, in-memory tensors';

/** What each round trains on, in turn. In-memory tensors (what the data pipeline costs at all) only with CONVKIT_BENCH_AUGFIT_IN_MEMORY=1. */
const SIDES: Side[] = [
  { label: AUGMENTED, flow: { options: CHAPTER_AUGMENTATION } },
  { label: PLAIN, flow: { options: RESCALE_ONLY } },
  { label: ON_THREAD, flow: { options: CHAPTER_AUGMENTATION, workers: 0 } },
  ...(process.env.CONVKIT_BENCH_AUGFIT_IN_MEMORY === '1' ? [{ label: IN_MEMORY }] : []),
];

/** The chapter's cats-vs-dogs convnet (section 5.2, with dropout as in listing 5.13): 3,453,121 parameters. */
function catsDogsConvnet(): Sequential {
  setSeed(1);
  const model = chapterConvnet('cats-dogs', { dropout: 0.5 });
  model.compile({
    optimizer: rmsprop({ learningRate: 1e-4 }),
    loss: 'binary_crossentropy',
    metrics: ['acc'],
  });
  return model;
}

/** One timed round: training samples per second and CPU time per sample (every thread of the process). */
interface Round {
  perSecond: number;
  cpuMsPerSample: number;
  /** Milliseconds per step that fit spent between steps: waiting for and assembling the next batch. */
  inputMsPerStep: number;
}

/**
 * Trains `model` for 1 + STEPS steps and times the last STEPS (from the end of the first step to the
 * end of the last: the input pipeline is running by then, as in a long fit).
 */
async function timedFit(train: (callbacks: Callback[]) => Promise<unknown>): Promise<Round> {
  let start = 0;
  let cpu = process.cpuUsage();
  let end = 0;
  let samples = 0;
  let waited = 0;
  const timer: Callback = {
    onBatchBegin(batch) {
      if (batch > 0) waited += performance.now() - end;
    },
    onBatchEnd(batch, logs) {
      end = performance.now();
      if (batch === 0) {
        start = end;
        cpu = process.cpuUsage();
      } else samples += logs.size;
    },
  };
  await train([timer]);
  const used = process.cpuUsage(cpu);
  return {
    perSecond: samples / ((end - start) / 1000),
    cpuMsPerSample: (used.user + used.system) / 1000 / samples,
    inputMsPerStep: waited / STEPS,
  };
}

/** One side of the comparison: how its batches are made. */
interface Side {
  label: string;
  /** Generator options and flowFromDirectory's workers, or undefined for in-memory tensors. */
  flow?: { options: ImageDataGeneratorOptions; workers?: number };
}

/**
 * Trains for 1 + STEPS steps on one side's batches: from flowFromDirectory (a fresh iterator, as
 * a new fit call gets) or from the pictures decoded once into tensors.
 */
function trainRound(
  model: Sequential,
  side: Side,
  dir: string,
  memory: { x: tf.Tensor4D; y: tf.Tensor1D },
  round: number,
): Promise<Round> {
  if (side.flow) {
    const source = imageDataGenerator(side.flow.options).flowFromDirectory(dir, {
      targetSize: [150, 150],
      batchSize: BATCH,
      classMode: 'binary',
      seed: round + 1,
      workers: side.flow.workers,
      onInfo: () => {},
    });
    return timedFit((callbacks) => model.fit(source, { stepsPerEpoch: STEPS + 1, epochs: 1, callbacks }));
  }
  const n = (STEPS + 1) * BATCH;
  const [bx, by] = tf.tidy(() => {
    const idx = tf.tensor1d(
      Int32Array.from({ length: n }, (_, i) => (i + round * n) % memory.x.shape[0]),
      'int32',
    );
    return [tf.gather(memory.x, idx), tf.gather(memory.y, idx)];
  });
  return timedFit((callbacks) =>
    model.fit(bx, by, { batchSize: BATCH, epochs: 1, shuffle: false, callbacks }),
  ).finally(() => tf.dispose([bx, by]));
}

const median = (values: number[]) => {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const range = (values: number[], digits = 1) =>
  `${Math.min(...values).toFixed(digits)}-${Math.max(...values).toFixed(digits)}`;

/**
 * Issue 9's augmentation goal: the chapter's cats-vs-dogs convnet trained on wasm from
 * flowFromDirectory with listing 5.11's augmentation, against rescaling only (and against
 * pre-decoded tensors in memory), in alternating rounds. Goal: augmented >= 0.9 x rescale only.
 */
export const augmentedFit: Benchmark = {
  name: 'augmented-fit',
  description: `chapter 5.2 cats-vs-dogs convnet on wasm, fit from flowFromDirectory (150x150, batch ${BATCH}) with vs without augmentation, samples/s`,
  async run() {
    const dir = await mkdtemp(join(tmpdir(), 'convkit-augmented-fit-'));
    const notes: string[] = [];
    const load = [loadavg()[0]];
    let pictures: string;
    const memory: { x?: tf.Tensor4D; y?: tf.Tensor1D } = {};
    const rounds: Record<string, Round[]> = Object.fromEntries(SIDES.map((s) => [s.label, []]));
    try {
      pictures = await makePhotoFolder(dir, PER_CLASS, 'augmented-fit');
      await initBackend('wasm');
      if (SIDES.some((s) => !s.flow)) {
        // The same pictures, decoded and rescaled once (what training from memory sees).
        const all = imageDataGenerator(RESCALE_ONLY).flowFromDirectory(dir, {
          targetSize: [150, 150],
          batchSize: 2 * PER_CLASS,
          shuffle: false,
          classMode: 'binary',
          onInfo: () => {},
        });
        const it = all[Symbol.asyncIterator]();
        [memory.x, memory.y] = (await it.next()).value as [tf.Tensor4D, tf.Tensor1D];
        await it.return?.();
      }
      const batches = memory as { x: tf.Tensor4D; y: tf.Tensor1D };
      const models = SIDES.map(() => catsDogsConvnet());
      // One untimed round each: kernels compiled, optimizer state allocated, worker threads started.
      for (const [i, side] of SIDES.entries()) await trainRound(models[i], side, dir, batches, 99);
      for (let r = 0; r < ROUNDS; r++) {
        for (const [i, side] of SIDES.entries()) {
          rounds[side.label].push(await trainRound(models[i], side, dir, batches, r));
        }
        load.push(loadavg()[0]);
      }
      for (const model of models) model.dispose();
    } finally {
      tf.dispose([memory.x, memory.y].filter((t) => t !== undefined) as tf.Tensor[]);
      await rm(dir, { recursive: true, force: true });
    }
    const measurements: Measurement[] = SIDES.map(({ label }) => [label, rounds[label]] as const).map(
      ([label, rs]) => ({
        label,
        perSecond: median(rs.map((r) => r.perSecond)),
        unit: 'samples/s',
        note: `median of ${rs.length} rounds, range ${range(
          rs.map((r) => r.perSecond),
          2,
        )}; CPU ${median(rs.map((r) => r.cpuMsPerSample)).toFixed(0)} ms/sample; fit waited ${range(
          rs.map((r) => r.inputMsPerStep),
          0,
        )} ms/step for input`,
      }),
    );
    const byRound = (of: string) =>
      rounds[of].map((a, i) => a.perSecond / rounds[PLAIN][i].perSecond).map((v) => v.toFixed(3));
    // Share of the training thread's time spent between steps: what the input pipeline takes from training.
    const waitShare = (label: string) =>
      median(rounds[label].map((r) => (r.inputMsPerStep * r.perSecond) / (1000 * BATCH)));
    notes.push(
      `fit's time waiting for input (median share of wall time): ${SIDES.map(({ label }) => `${label} ${(100 * waitShare(label)).toFixed(1)}%`).join(', ')}; the training thread's own work is the rest, so the ratio the pipeline allows is about (1 - augmented share) / (1 - rescale-only share) = ${((1 - waitShare(AUGMENTED)) / (1 - waitShare(PLAIN))).toFixed(3)} (load noise aside)`,
      `augmented / rescale only, round by round: ${byRound(AUGMENTED).join(', ')}`,
      `augmented on the training thread / rescale only, round by round: ${byRound(ON_THREAD).join(', ')}`,
      `${ROUNDS} rounds x ${STEPS} timed steps of ${BATCH} per side (after one untimed step); ${2 * PER_CLASS} JPEGs (${pictures}); 1-minute load average ${range(load, 2)} over the run.`,
      "flowFromDirectory reads, decodes and augments on a worker thread by default; 'on the training thread' is workers: 0 (decoding on sharp's threads, the warp with tf.image.transform on wasm between steps). CPU ms/sample counts every thread of the process. 'Waited' is fit's time between steps (pulling the next batch: its work on the training thread, or waiting for reads).",
    );
    return {
      measurements,
      ratios: [
        { of: AUGMENTED, over: PLAIN, goal: 0.9 },
        { of: ON_THREAD, over: PLAIN },
        { of: PLAIN, over: IN_MEMORY },
      ],
      notes,
    };
  },
};
