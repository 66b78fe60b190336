import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { kerasWeightsGroup } from '@convkit/layers';
import { openH5File, saveModel } from '@convkit/layers/node';
import { resolveVgg16Weights, vgg16WeightsFile } from '@convkit/pretrained-vgg16/node';
import type { Command } from 'commander';
import { CliContext } from '../context';
import { CliUsageError } from '../errors';
import { isOccupied } from '../io/atomic';
import { loadVgg16 } from '../vgg16/weights';

/** `convkit vgg16 convert|download`: Keras's VGG16 weights for convkit and the web demo. */
export function registerVgg16(program: Command): void {
  const vgg = program
    .command('vgg16')
    .description("Keras's VGG16 weights: download them, or convert them for the browser");

  vgg
    .command('convert')
    .description('convert a Keras VGG16 .h5 weights file to the TensorFlow.js format (model.json + shards)')
    .argument('<h5>', 'vgg16_weights_tf_dim_ordering_tf_kernels[_notop].h5')
    .argument('[outdir]', 'output folder (default: --out, else vgg16-tfjs)')
    .option('--float16', 'store the weights as float16 (half the size)')
    .action(async (h5: string, outdir: string | undefined, options: { float16?: boolean }, cmd: Command) => {
      const ctx = new CliContext(cmd);
      if (!existsSync(h5)) throw new CliUsageError(`Weights file ${h5} does not exist.`);
      const out = resolve(outdir ?? ctx.options.out ?? 'vgg16-tfjs');
      if (isOccupied(out) && !ctx.options.force) {
        throw new CliUsageError(
          `Output folder ${out} already exists and is not empty. Pass --force to replace it.`,
        );
      }
      await ctx.startBackend();
      const includeTop = await hasClassifier(h5);
      const model = await loadVgg16(h5, { includeTop });
      try {
        const saved = await saveModel(model, out, {
          quantize: options.float16 ? 'float16' : undefined,
          overwrite: Boolean(ctx.options.force),
        });
        const weightBytes = saved.modelArtifactsInfo.weightDataBytes ?? 0;
        const result = {
          modelJson: join(out, 'model.json'),
          includeTop,
          inputShape: model.inputShape.slice(1),
          weightBytes,
        };
        ctx.result(result, [
          `Converted ${h5} (${includeTop ? 'with' : 'without'} the classifier) to ${result.modelJson}: ${(weightBytes / 1e6).toFixed(1)} MB of ${options.float16 ? 'float16' : 'float32'} weights.`,
        ]);
      } finally {
        model.dispose();
      }
    });

  vgg
    .command('download')
    .description(
      "download Keras's VGG16 ImageNet weights into the Keras cache (~/.keras/models), md5-checked and resumable",
    )
    .option('--top', 'the full model with the classifier (553 MB) instead of the conv base (59 MB)')
    .action(async (options: { top?: boolean }, cmd: Command) => {
      const ctx = new CliContext(cmd);
      const file = vgg16WeightsFile(Boolean(options.top));
      let bar: ReturnType<CliContext['progress']> | undefined;
      const path = await resolveVgg16Weights({
        includeTop: Boolean(options.top),
        onProgress: ({ received, total }) => {
          bar ??= ctx.progress(`downloading ${file.fileName}`, Math.round((total ?? file.bytes) / 1e6), 'MB');
          bar.update(Math.round(received / 1e6));
        },
      });
      bar?.stop();
      ctx.result({ path, file: file.fileName, bytes: file.bytes }, [`VGG16 weights ready: ${path}`]);
    });
}

/** True when a Keras VGG16 weights file holds the classifier (an fc1 layer), as the _notop file does not. */
async function hasClassifier(h5: string): Promise<boolean> {
  const file = await openH5File(h5).catch((error: Error) => {
    throw new CliUsageError(`${h5} is not a Keras HDF5 weights file (${error.message}).`);
  });
  try {
    const names = kerasWeightsGroup(file).stringListAttribute('layer_names') ?? [];
    return names.includes('fc1');
  } finally {
    file.close();
  }
}
