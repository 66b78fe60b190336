// Node-only: Keras VGG16 .h5 -> TensorFlow.js weights (model.json + shards). Re-exported by node.ts.
import { type H5Group, kerasWeightsGroup } from '@convkit/layers';
import { openH5File, saveModel } from '@convkit/layers/node';
import { ConvkitUsageError } from '@convkit/tensor';
import { buildVgg16 } from './architecture';
import { disposeModel } from './dispose';
import { loadKerasWeightsInto } from './load-weights';

/** Options of {@link convertVgg16Weights}. */
export interface ConvertOptions {
  /** Store the weights as float16 (half the bytes: 29 MiB for the conv base), as tfjs-converter's --quantize_float16. */
  quantize?: 'float16';
  /** Replace an existing output folder (default false: an existing folder is an error). */
  overwrite?: boolean;
  /** Bytes per shard file (default 4 MiB, as tfjs-converter). */
  shardSizeBytes?: number;
}

/** What {@link convertVgg16Weights} wrote. */
export interface ConvertResult {
  /** The output folder's model.json. */
  modelJson: string;
  /** Whether the file had the classifier (fc1, fc2, predictions). */
  includeTop: boolean;
  /** The model's input shape as saved ([null, null, 3] for the conv base: any size). */
  inputShape: (number | null)[];
  /** Bytes of weight data written. */
  weightBytes: number;
}

/**
 * Converts Keras's VGG16 weights file (either variant, told apart by its layers) into the
 * TensorFlow.js LayersModel format in `outDir` (model.json + 4 MiB shards, written atomically),
 * so a browser can load it with `vgg16({ weights: '<url>/model.json' })`. The conv base is
 * saved with an open input size; the classifier's input size is read from fc1's shape.
 */
export async function convertVgg16Weights(
  h5Path: string,
  outDir: string,
  opts: ConvertOptions = {},
): Promise<ConvertResult> {
  const file = await openH5File(h5Path);
  try {
    const group = kerasWeightsGroup(file);
    const includeTop = (group.stringListAttribute('layer_names') ?? []).includes('fc1');
    const shape = includeTop ? classifierShape(group) : { side: null, classes: 1000 };
    const model = buildVgg16({
      includeTop,
      inputShape: [shape.side, shape.side, 3],
      classes: shape.classes,
      weightsWillLoad: true,
    });
    try {
      loadKerasWeightsInto(model, group);
      const result = await saveModel(model, outDir, {
        quantize: opts.quantize,
        overwrite: opts.overwrite,
        shardSizeBytes: opts.shardSizeBytes,
      });
      return {
        modelJson: `${outDir.replace(/\/$/, '')}/model.json`,
        includeTop,
        inputShape: model.inputShape.slice(1),
        weightBytes: result.modelArtifactsInfo.weightDataBytes ?? 0,
      };
    } finally {
      disposeModel(model);
    }
  } finally {
    file.close();
  }
}

/** The input side and class count a classifier file was made for, from fc1's and predictions' kernels. */
function classifierShape(group: H5Group): { side: number; classes: number } {
  const kernel = (layer: string) => {
    const g = group.group(layer);
    const names = g.stringListAttribute('weight_names') ?? [];
    if (!names.length) throw new ConvkitUsageError(`${group.file.source}: layer ${layer} has no weights.`);
    return g.dataset(names[0]).shape;
  };
  const [rows] = kernel('fc1');
  const cells = Math.round(Math.sqrt(rows / 512));
  if (cells * cells * 512 !== rows) {
    throw new ConvkitUsageError(
      `${group.file.source}: fc1's kernel has ${rows} rows, not 512 x (a square number): not a VGG16 classifier with a square input.`,
    );
  }
  return { side: cells * 32, classes: kernel('predictions')[1] };
}
