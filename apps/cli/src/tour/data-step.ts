import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { splitDataset } from '@convkit/data-split';
import { writePng } from '@convkit/image-io/node';
import { BUILTIN_CLASSES, drawBuiltinImage } from '../data/builtin';
import { writeBuiltinDataset } from '../data/write-builtin';
import { tileImages } from '../report/tile';
import { rel, step, type TourContext } from './context';

/** Where the data step left the split folders. */
export interface TourData {
  split: string;
  train: string;
  validation: string;
  test: string;
  /** Test files per class, sorted naturally (for the pictures). */
  testFiles: Record<string, string[]>;
}

/** Step 1: draw the built-in cats and dogs, write them as JPEG (Kaggle naming) and split them. */
export async function dataStep(t: TourContext): Promise<TourData> {
  const s = t.settings;
  step(
    t,
    `Data: ${s.train + s.validation + s.test} built-in images per class (${s.imageSize}x${s.imageSize})`,
  );
  const started = performance.now();
  const perClass = s.train + s.validation + s.test;
  const flat = t.stage.path('data', 'kaggle');
  const progress = t.ctx.progress('drawing images', perClass * 2, 'files');
  await writeBuiltinDataset(flat, {
    perClass,
    size: s.imageSize,
    seed: t.ctx.seed,
    onProgress: (n) => progress.update(n),
  });
  progress.stop();
  const split = t.stage.path('data', 'split');
  const splitBar = t.ctx.progress('splitting', perClass * 2, 'files');
  const result = await splitDataset({
    source: flat,
    destination: split,
    splits: { train: s.train, validation: s.validation, test: s.test },
    seed: t.ctx.seed,
    signal: t.signal,
    onProgress: (p) => {
      if (p.phase === 'write') splitBar.update(p.done);
    },
  });
  splitBar.stop();
  const samples = tileImages(
    Array.from({ length: 16 }, (_, i) =>
      drawBuiltinImage(BUILTIN_CLASSES[i % 2], Math.floor(i / 2), { size: s.imageSize, seed: t.ctx.seed }),
    ),
    { columns: 8, margin: 2 },
  );
  const samplesFile = t.stage.path('pictures', 'samples.png');
  await writePng(samplesFile, samples);
  const testFiles = Object.fromEntries(
    BUILTIN_CLASSES.map((c) => [
      c,
      readdirSync(join(split, 'test', c))
        .filter((f) => f.endsWith('.jpg'))
        .sort((a, b) => Number(a.split('.')[1]) - Number(b.split('.')[1]))
        .map((f) => join(split, 'test', c, f)),
    ]),
  );
  t.results.data = {
    imageSize: s.imageSize,
    classes: [...BUILTIN_CLASSES],
    perClass: { train: s.train, validation: s.validation, test: s.test },
    files: result.created,
    dir: rel(t, split),
    seconds: (performance.now() - started) / 1000,
  };
  t.sections.push({
    id: 'data',
    title: 'Built-in data: cats and dogs',
    paragraphs: [
      `No download needed: ${perClass * 2} cartoon cats and dogs (${s.imageSize}x${s.imageSize}) drawn from seed ${t.ctx.seed}, with random position, size, tilt, colour and background clutter, written as JPEG files in Kaggle's naming (cat.0.jpg, dog.0.jpg, ...) to ${rel(t, flat)}/.`,
      `Split per class into train ${s.train}, validation ${s.validation} and test ${s.test} (the chapter uses 1000/500/500 of Kaggle's photos) in ${rel(t, split)}/.`,
    ],
    images: [
      {
        src: rel(t, samplesFile),
        caption: 'The first 8 cats and 8 dogs',
        width: samples.width * 2,
        pixelated: true,
      },
    ],
  });
  return {
    split,
    train: join(split, 'train'),
    validation: join(split, 'validation'),
    test: join(split, 'test'),
    testFiles,
  };
}
