import { createRandom, type Random } from '@convkit/tensor';

let global: Random = createRandom();

/**
 * Seeds the generator that every layer created afterwards draws its initial weights and dropout
 * masks from (like `tf.random.set_seed` in Keras): same seed and same model code, same weights.
 */
export function setSeed(seed: number | string): void {
  global = createRandom(seed);
}

/** A generator for one layer: from the layer's own seed if given, else forked from the global one. */
export function layerRandom(seed: number | undefined, label: string): Random {
  return seed === undefined ? global.fork(label) : createRandom(seed);
}
