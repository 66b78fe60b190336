/**
 * A small, fast, seedable pseudo-random generator (sfc32 seeded through splitmix32).
 * One seed drives every random choice in convkit: shuffles, augmentation, initialisers, dropout.
 */
export class Random {
  private a = 0;
  private b = 0;
  private c = 0;
  private d = 0;
  private spareNormal: number | undefined;

  /** Seeds the generator; a string seed is hashed, so 'run-1' and 1 both work. */
  constructor(seed: number | string) {
    let s = typeof seed === 'string' ? hashString(seed) : seed >>> 0 || Math.floor(seed * 2 ** 32) >>> 0;
    const next = () => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    for (let i = 0; i < 12; i++) this.uint32();
  }

  /** The next 32-bit unsigned integer. */
  uint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** A float uniformly drawn from [0, 1). */
  next(): number {
    return this.uint32() / 4294967296;
  }

  /** A float uniformly drawn from [low, high). */
  uniform(low = 0, high = 1): number {
    return low + (high - low) * this.next();
  }

  /** An integer uniformly drawn from [low, high). */
  int(low: number, high: number): number {
    return low + Math.floor(this.next() * (high - low));
  }

  /** A normally distributed float (Box-Muller). */
  normal(mean = 0, std = 1): number {
    if (this.spareNormal !== undefined) {
      const z = this.spareNormal;
      this.spareNormal = undefined;
      return mean + std * z;
    }
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = r * Math.sin(2 * Math.PI * v);
    return mean + std * r * Math.cos(2 * Math.PI * v);
  }

  /** A normal draw re-drawn until it lies within two standard deviations (as Keras's truncated_normal). */
  truncatedNormal(mean = 0, std = 1): number {
    for (;;) {
      const z = this.normal();
      if (Math.abs(z) <= 2) return mean + std * z;
    }
  }

  /** Shuffles an array in place (Fisher-Yates) and returns it. */
  shuffle<T>(array: T[]): T[] {
    for (let i = array.length - 1; i > 0; i--) {
      const j = this.int(0, i + 1);
      [array[i], array[j]] = [array[j], array[i]];
    }
    return array;
  }

  /** A new generator seeded from this one (and an optional label), for an independent stream. */
  fork(label: string | number = ''): Random {
    return new Random(`${this.uint32()}:${label}`);
  }

  /** A seed for a tfjs op that takes one (such as tf.dropout), drawn from this generator. */
  tfjsSeed(): number {
    return this.uint32();
  }

  /** A Float32Array of n values drawn by `draw` (for example `() => rng.uniform(-a, a)`). */
  fill(n: number, draw: () => number): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = draw();
    return out;
  }
}

/** A generator from a seed; without one, from a random seed (so runs differ, as in Keras). */
export function createRandom(seed?: number | string): Random {
  return new Random(seed ?? Math.floor(Math.random() * 2 ** 32));
}

function hashString(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}
