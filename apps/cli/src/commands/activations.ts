import { mkdirSync } from 'node:fs';
import { readImage } from '@convkit/image-io/node';
import type { Command } from 'commander';
import { CliContext, positiveInt } from '../context';
import { writeActivationPictures } from '../explain/activation-pictures';
import { StagedDir } from '../io/atomic';
import { imageInputShape, loadAnyModel } from '../models/load';

/** `convkit activations MODEL IMAGE`: the chapter's grids of intermediate activations (section 5.4.1). */
export function registerActivations(program: Command): void {
  program
    .command('activations')
    .description(
      "write the chapter's grid of every channel of each conv and pooling layer's output for one image",
    )
    .argument('<model>', 'a saved model: folder with model.json, or a Keras .h5 file')
    .argument('<image>', 'a JPEG or PNG file (resized to the model input, pixels scaled by 1/255)')
    .option('--layers <names>', 'comma-separated layer names (default: every conv and pooling layer)')
    .option('--images-per-row <n>', 'tiles per row of each grid', '16')
    .addHelpText('after', '\nWrites one PNG per layer to --out (default: activations/).')
    .action(
      async (
        modelPath: string,
        imagePath: string,
        options: { layers?: string; imagesPerRow: string },
        cmd,
      ) => {
        const ctx = new CliContext(cmd);
        const imagesPerRow = positiveInt('--images-per-row', options.imagesPerRow, 16);
        const out = new StagedDir(ctx.options.out ?? 'activations', { force: ctx.options.force });
        try {
          await ctx.startBackend();
          const model = await loadAnyModel(modelPath);
          const [h, w, c] = imageInputShape(model, 'activations');
          const image = await readImage(imagePath, {
            targetSize: [h, w],
            colorMode: c === 1 ? 'grayscale' : 'rgb',
          });
          const layers = options.layers?.split(',').map((s) => s.trim());
          if (layers) for (const name of layers) model.getLayer(name);
          mkdirSync(out.dir, { recursive: true });
          const pictures = await writeActivationPictures(model, image, out.dir, { layers, imagesPerRow });
          out.commit();
          ctx.result(
            {
              dir: out.target,
              layers: pictures.map((p) => ({ ...p, file: p.file.replace(out.dir, out.target) })),
            },
            [
              `Wrote ${pictures.length} activation grids to ${out.target}:`,
              ...pictures.map(
                (p) => `  ${p.layer} (${p.className}, ${p.channels} channels): ${p.width}x${p.height}`,
              ),
            ],
          );
        } catch (error) {
          out.abort();
          throw error;
        }
      },
    );
}
