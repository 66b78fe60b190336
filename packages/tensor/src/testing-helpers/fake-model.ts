// Test-only: a tiny stand-in for a @convkit/layers Sequential, built from plain tfjs-core ops with
// seeded weights, so packages that read models (explain-*) can test their numeric cores alone.
import * as tf from '@tensorflow/tfjs-core';
import { createRandom } from '../random';

/** A Keras-style shape: the batch dimension (and any free dimension) is `null`. */
type Shape = (number | null)[];

/** A layer of a fake model: the members @convkit/layers's layers have that explain-* read. */
export interface FakeLayer {
  name: string;
  className: string;
  outputShape: Shape;
  apply: (x: tf.Tensor) => tf.Tensor;
  /** Weights in Keras layout (kernel, bias), as @convkit/layers's `weights[i].variable`. */
  weights: { variable: tf.Tensor }[];
  getConfig(): Record<string, unknown>;
}

/** A fake Sequential: the members explain-activations and explain-gradcam read, plus predict and dispose. */
export interface FakeModel {
  readonly name: string;
  readonly inputShape: Shape;
  readonly outputShape: Shape;
  splitAt(name: string): { head(x: tf.Tensor): tf.Tensor; tail(h: tf.Tensor): tf.Tensor };
  layers: FakeLayer[];
  dispose(): void;
  predict(x: tf.Tensor): tf.Tensor;
  layerOutputs(x: tf.Tensor, names: string[]): tf.Tensor[];
}

/** One layer of a fake model: a conv, a 2x2 max pool, a flatten, a global average pool or a dense layer. */
export type FakeLayerSpec =
  | {
      type: 'conv';
      filters: number;
      kernel?: number;
      activation?: 'relu' | 'linear';
      padding?: 'valid' | 'same';
      name?: string;
    }
  | { type: 'pool'; name?: string }
  | { type: 'flatten'; name?: string }
  | { type: 'gap'; name?: string }
  | { type: 'dense'; units: number; activation?: 'relu' | 'softmax' | 'linear' | 'sigmoid'; name?: string };

/** A sequential model from specs, weights drawn from `seed` (glorot-uniform-like scale). */
export function fakeModel(
  inputShape: [number | null, number | null, number],
  specs: FakeLayerSpec[],
  seed = 1,
  name = 'fake',
): FakeModel {
  const rng = createRandom(seed);
  let shape: Shape = [null, ...inputShape];
  const counts: Record<string, number> = {};
  const layers: FakeLayer[] = specs.map((spec) => {
    const auto = `${spec.type}_${(counts[spec.type] = (counts[spec.type] ?? 0) + 1)}`;
    const layerName = spec.name ?? auto;
    const inShape = shape;
    if (spec.type === 'conv') {
      const k = spec.kernel ?? 3;
      const cin = inShape[3] as number;
      const limit = Math.sqrt(6 / (k * k * cin + k * k * spec.filters));
      const kernel = tf.tensor4d(
        rng.fill(k * k * cin * spec.filters, () => rng.uniform(-limit, limit)),
        [k, k, cin, spec.filters],
      );
      const bias = tf.tensor1d(rng.fill(spec.filters, () => rng.uniform(-0.1, 0.1)));
      const pad = spec.padding ?? 'valid';
      const [h, w] = [inShape[1], inShape[2]];
      shape =
        pad === 'same' ? [null, h, w, spec.filters] : [null, h && h - k + 1, w && w - k + 1, spec.filters];
      const act = spec.activation ?? 'relu';
      return {
        name: layerName,
        className: 'Conv2D',
        outputShape: shape,
        weights: [{ variable: kernel }, { variable: bias }],
        getConfig: () => ({ activation: act, padding: pad }),
        apply: (x) => {
          const y = tf.add(tf.conv2d(x as tf.Tensor4D, kernel, 1, pad), bias);
          return act === 'relu' ? tf.relu(y) : y;
        },
      };
    }
    if (spec.type === 'pool') {
      const half = (d: number | null) => (d === null ? null : Math.floor(d / 2));
      shape = [null, half(inShape[1]), half(inShape[2]), inShape[3]];
      return {
        name: layerName,
        className: 'MaxPooling2D',
        outputShape: shape,
        weights: [],
        getConfig: () => ({}),
        apply: (x) => tf.maxPool(x as tf.Tensor4D, 2, 2, 'valid'),
      };
    }
    if (spec.type === 'flatten') {
      shape = [null, (inShape.slice(1) as number[]).reduce((a, b) => a * b, 1)];
      return {
        name: layerName,
        className: 'Flatten',
        outputShape: shape,
        weights: [],
        getConfig: () => ({}),
        apply: (x) => tf.reshape(x, [x.shape[0], -1]),
      };
    }
    if (spec.type === 'gap') {
      shape = [null, inShape[3]];
      return {
        name: layerName,
        className: 'GlobalAveragePooling2D',
        outputShape: shape,
        weights: [],
        getConfig: () => ({}),
        apply: (x) => tf.mean(x, [1, 2]),
      };
    }
    const nin = inShape[1] as number;
    const limit = Math.sqrt(6 / (nin + spec.units));
    const kernel = tf.tensor2d(
      rng.fill(nin * spec.units, () => rng.uniform(-limit, limit)),
      [nin, spec.units],
    );
    const bias = tf.tensor1d(rng.fill(spec.units, () => rng.uniform(-0.1, 0.1)));
    shape = [null, spec.units];
    const act = spec.activation ?? 'linear';
    return {
      name: layerName,
      className: 'Dense',
      outputShape: shape,
      weights: [{ variable: kernel }, { variable: bias }],
      getConfig: () => ({ activation: act }),
      apply: (x) => {
        const y = tf.add(tf.matMul(x as tf.Tensor2D, kernel), bias);
        if (act === 'relu') return tf.relu(y);
        if (act === 'softmax') return tf.softmax(y);
        if (act === 'sigmoid') return tf.sigmoid(y);
        return y;
      },
    };
  });
  const run = (x: tf.Tensor, from: number, to: number) => {
    let y = x;
    for (let i = from; i < to; i++) y = layers[i].apply(y);
    return y;
  };
  const indexOf = (n: string) => {
    const i = layers.findIndex((l) => l.name === n);
    if (i < 0) throw new Error(`no layer ${n}`);
    return i;
  };
  return {
    name,
    layers,
    inputShape: [null, ...inputShape],
    outputShape: shape,
    predict: (x) => tf.tidy(() => run(x, 0, layers.length)),
    layerOutputs: (x, names) =>
      tf.tidy(() => {
        const wanted = names.map(indexOf);
        const outs: tf.Tensor[] = [];
        let y = x;
        for (let i = 0; i <= Math.max(...wanted); i++) {
          y = layers[i].apply(y);
          outs[i] = y;
        }
        return wanted.map((i) => outs[i]);
      }),
    splitAt: (n) => {
      const i = indexOf(n);
      return { head: (x) => run(x, 0, i + 1), tail: (h) => run(h, i + 1, layers.length) };
    },
    dispose: () => tf.dispose(layers.flatMap((l) => l.weights.map((w) => w.variable))),
  };
}
