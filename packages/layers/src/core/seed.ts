import { createRandom, type Random } from '@convkit/tensor';

let global: Random = createRandom();

/**
 * Seeds the generator that every layer created afterwards draws its initial weights and dropout
 * masks from (like `tf.random.set_seed` in Keras): same seed and same model code, same weights.
 */
export function setSeed(seed: number | string): void {
  global = createRandom(seed);
}

/**
 * A generator for one layer (or one fit): from its own seed if given, else forked from the global
 * one. `kind` names what draws ('Dense', 'fit'), never a layer's name: names count up across a
 * process ('dense_3'), and as in Keras the same seed and model code must give the same weights
 * however many models were built before.
 */
export function layerRandom(seed: number | undefined, kind: string): Random {
  return seed === undefined ? global.fork(kind) : createRandom(seed);
}
