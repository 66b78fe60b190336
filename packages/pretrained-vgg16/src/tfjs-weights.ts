import type { Sequential } from '@convkit/layers';
import { ConvkitUsageError } from '@convkit/tensor';
import * as tf from '@tensorflow/tfjs-core';

const BYTES: Record<string, number> = { float32: 4, int32: 4, uint8: 1, uint16: 2, float16: 2, bool: 1 };

/**
 * Sets a model's weights from TensorFlow.js LayersModel artifacts (model.json + shards, as
 * `convertVgg16Weights` writes them, float32 or float16-quantised), matching weights by name
 * ('block1_conv1/kernel'). Weights are decoded one at a time. Every weight of the model must
 * be there with its shape; the error names what is missing or different.
 */
export function loadTfjsArtifactsInto(
  model: Sequential,
  artifacts: tf.io.ModelArtifacts,
  source: string,
): void {
  const specs = artifacts.weightSpecs;
  if (!specs || !artifacts.weightData)
    throw new ConvkitUsageError(`${source} holds no weights (weightsManifest is empty).`);
  const data = new tf.io.CompositeArrayBuffer(artifacts.weightData);
  const where = new Map<string, { spec: tf.io.WeightsManifestEntry; start: number; end: number }>();
  let offset = 0;
  for (const spec of specs) {
    const n = spec.shape.reduce((a, b) => a * b, 1);
    const perValue = BYTES[spec.quantization?.dtype ?? spec.dtype];
    if (perValue === undefined)
      throw new ConvkitUsageError(`${source}: weight ${spec.name} has an unsupported dtype ${spec.dtype}.`);
    where.set(spec.name, { spec, start: offset, end: offset + n * perValue });
    offset += n * perValue;
  }
  if (offset > data.byteLength) {
    throw new ConvkitUsageError(
      `${source}: the weight files hold ${data.byteLength} bytes; the manifest needs ${offset}. A shard is missing or truncated.`,
    );
  }
  const missing = model.weights.filter((w) => !where.has(w.name)).map((w) => w.name);
  if (missing.length) {
    throw new ConvkitUsageError(
      `${source} has no weights named ${missing.join(', ')}; it has ${specs.map((s) => s.name).join(', ')}. ` +
        'Was it converted from the other VGG16 variant (with or without the classifier)?',
    );
  }
  for (const w of model.weights) {
    const { spec, start, end } = where.get(w.name)!;
    if (spec.shape.length !== w.shape.length || spec.shape.some((d, i) => d !== w.shape[i])) {
      throw new ConvkitUsageError(
        `${source}: weight ${w.name} has shape [${spec.shape.join(', ')}]; the model expects [${w.shape.join(', ')}].`,
      );
    }
    const decoded = tf.io.decodeWeights(data.slice(start, end), [spec]);
    const t = decoded[spec.name];
    w.variable.assign(t.dtype === 'float32' ? t : tf.cast(t, 'float32'));
    t.dispose();
  }
}
