import { existsSync, mkdirSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { readImage } from '@convkit/image-io/node';
import type { Sequential } from '@convkit/layers';
import type { Command } from 'commander';
import { CliContext, positiveInt } from '../context';
import { CliUsageError } from '../errors';
import { writeGradCamPictures } from '../explain/gradcam-pictures';
import { StagedDir } from '../io/atomic';
import { classNamesFor } from '../models/classes';
import { imageInputShape, loadAnyModel } from '../models/load';
import { findVgg16Weights, loadVgg16 } from '../vgg16/weights';

interface GradCamOptions {
  model?: string;
  vgg16?: boolean;
  weights?: string;
  layer?: string;
  class?: string;
  displaySize: string;
}

/** `convkit gradcam IMAGE...`: class-activation heatmaps over images (section 5.4.3). */
export function registerGradCam(program: Command): void {
  program
    .command('gradcam')
    .description(
      'Grad-CAM heatmaps over images: which parts of each image drive the predicted (or a chosen) class',
    )
    .argument('<images...>', 'JPEG or PNG files')
    .option('--model <path>', 'a saved model (folder with model.json, or Keras .h5)')
    .option(
      '--vgg16',
      "Keras's VGG16 with its ImageNet classifier (the chapter's elephants: layer block5_conv3)",
    )
    .option('--weights <path>', 'VGG16 weights file (default: the Keras cache)')
    .option('--layer <name>', 'the conv layer to explain (default: the last one)')
    .option('--class <index>', "the class to explain (default: each image's top prediction)")
    .option('--display-size <px>', 'enlarge images smaller than this before overlaying', '192')
    .addHelpText('after', '\nWrites one PNG per image to --out (default gradcam/).')
    .action(async (images: string[], options: GradCamOptions, cmd: Command) => {
      const ctx = new CliContext(cmd);
      if (Boolean(options.model) === Boolean(options.vgg16))
        throw new CliUsageError('Give either --model PATH or --vgg16.');
      for (const image of images)
        if (!existsSync(image)) throw new CliUsageError(`Image file ${image} does not exist.`);
      const classIndex = options.class === undefined ? undefined : Number(options.class);
      if (classIndex !== undefined && !(Number.isInteger(classIndex) && classIndex >= 0)) {
        throw new CliUsageError(`--class must be a class index (0, 1, ...), got '${options.class}'.`);
      }
      const displaySize = positiveInt('--display-size', options.displaySize, 192);
      const weights = options.vgg16 ? findVgg16Weights(true, options.weights) : undefined;
      const out = new StagedDir(ctx.options.out ?? 'gradcam', { force: ctx.options.force });
      try {
        await ctx.startBackend();
        const model: Sequential = weights
          ? await loadVgg16(weights, { includeTop: true })
          : await loadAnyModel(options.model!);
        const [h, w, c] = imageInputShape(model, 'gradcam');
        if (options.layer) model.getLayer(options.layer);
        const pixels = await Promise.all(
          images.map((f) => readImage(f, { targetSize: [h, w], colorMode: c === 1 ? 'grayscale' : 'rgb' })),
        );
        mkdirSync(out.dir, { recursive: true });
        const files = images.map((f, i) => out.path(`${i}-${basename(f, extname(f))}.png`));
        const names = weights ? null : classNamesFor(options.model!);
        const pictures = await writeGradCamPictures(model, pixels, files, {
          layerName: options.layer,
          classIndex,
          displaySize,
          preprocess: weights ? 'caffe' : 'rescale',
        });
        out.commit();
        const rows = pictures.map((p, i) => ({
          image: images[i],
          file: p.file.replace(out.dir, out.target),
          layer: p.layer,
          classIndex: p.classIndex,
          className: names?.[p.classIndex] ?? null,
          score: p.score,
        }));
        ctx.result({ dir: out.target, heatmaps: rows }, [
          `Wrote ${rows.length} Grad-CAM overlays (layer ${rows[0]?.layer}) to ${out.target}:`,
          ...rows.map(
            (r) =>
              `  ${basename(r.image)}: class ${r.className ?? r.classIndex}, score ${r.score.toFixed(4)}`,
          ),
        ]);
        model.dispose();
      } catch (error) {
        out.abort();
        throw error;
      }
    });
}
