import { ConvkitUsageError } from '@convkit/tensor';
import * as tf from '@tensorflow/tfjs-core';
import type { GradCamModel, LayerLike } from './model';

/**
 * The function from the named layer's output to the class scores. With `logits`, the last
 * layer's softmax (or sigmoid) is left out, as keras.io's Grad-CAM example does by setting the
 * last layer's activation to None: a Dense layer gives its linear output, an Activation layer is
 * skipped. Without, it is the model's own output.
 */
export function scoreFunction(
  model: GradCamModel,
  layerName: string,
  { logits }: { logits: boolean },
): (features: tf.Tensor) => tf.Tensor {
  const { tail } = model.splitAt(layerName);
  const last = model.layers.at(-1);
  if (!logits || !last) return tail;
  const activation = String(last.getConfig().activation ?? 'linear');
  if (activation === 'linear') return tail;
  if (activation !== 'softmax' && activation !== 'sigmoid') {
    throw new ConvkitUsageError(
      `gradCam: logits: true leaves out the final softmax or sigmoid, but the last layer '${last.name}' has activation '${activation}'.`,
    );
  }
  const linear = linearPart(last);
  const start = model.layers.findIndex((l) => l.name === layerName || contains(l, layerName));
  if (model.layers[start] === last) {
    throw new ConvkitUsageError(
      `gradCam: layer '${layerName}' is inside the last layer '${last.name}'; logits: true cannot split it.`,
    );
  }
  const entry = model.layers[start];
  const middle = model.layers.slice(start + 1, -1);
  return (features) =>
    tf.tidy(() => {
      let y = entry.name === layerName ? features : nestedTail(entry, layerName)(features);
      for (const layer of middle) y = layer.apply(y, { training: false });
      return linear(y);
    });
}

function contains(layer: LayerLike, name: string): boolean {
  return (layer.layers ?? []).some((l) => l.name === name || contains(l, name));
}

function nestedTail(model: LayerLike, name: string): (h: tf.Tensor) => tf.Tensor {
  if (!model.splitAt) {
    throw new ConvkitUsageError(`gradCam: cannot split nested model '${model.name}' at '${name}'.`);
  }
  return model.splitAt(name).tail;
}

/** The last layer without its activation: Dense's x·kernel + bias, or an Activation layer's input. */
function linearPart(layer: LayerLike): (x: tf.Tensor) => tf.Tensor {
  if (layer.className === 'Activation') return (x) => x;
  if (layer.className === 'Dense') {
    const [kernel, bias] = layer.weights.map((w) => w.variable);
    return (x) => {
      const x2 = x.rank === 2 ? x : tf.reshape(x, [-1, x.shape[x.rank - 1]]);
      const y = tf.matMul(x2 as tf.Tensor2D, kernel as tf.Tensor2D);
      return bias ? tf.add(y, bias) : y;
    };
  }
  throw new ConvkitUsageError(
    `gradCam: logits: true needs the last layer to be a Dense or Activation layer with a softmax or sigmoid; '${layer.name}' is a ${layer.className}.`,
  );
}
