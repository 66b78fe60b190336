import { createRandom, type Random } from '@convkit/tensor';
import { usageError } from './errors';

/** Keras JSON for an initializer: `{ class_name: 'GlorotUniform', config: { seed: null } }`. */
export interface InitializerConfig {
  class_name: string;
  config: Record<string, unknown>;
}

/** Makes the initial values of a weight: Keras's initializers, drawn from a seeded generator. */
export interface Initializer {
  /** Keras class name, such as 'GlorotUniform' or 'Zeros'. */
  readonly className: string;
  /** The values for a weight of `shape`, drawn from `rng` (or the initializer's own seed). */
  generate(shape: readonly number[], rng: Random): Float32Array;
  /** Keras JSON config (snake_case keys). */
  getConfig(): Record<string, unknown>;
}

/** What a layer accepts as an initializer: a Keras name ('glorot_uniform'), JSON config, or an object. */
export type InitializerSpec = string | InitializerConfig | Initializer;

type Mode = 'fan_in' | 'fan_out' | 'fan_avg';
type Distribution = 'truncated_normal' | 'untruncated_normal' | 'uniform' | 'normal';

/** Keras's fans: a dense kernel [in, out]; a conv kernel [..., in, out] times the receptive field. */
export function computeFans(shape: readonly number[]): [number, number] {
  if (shape.length < 1) return [1, 1];
  if (shape.length === 1) return [shape[0], shape[0]];
  if (shape.length === 2) return [shape[0], shape[1]];
  let receptive = 1;
  for (const d of shape.slice(0, -2)) receptive *= d;
  return [shape[shape.length - 2] * receptive, shape[shape.length - 1] * receptive];
}

/** An initializer with its own seed draws from that seed (same values every time), else from `rng`. */
function ownRandom(seed: number | null, rng: Random): Random {
  return seed === null ? rng : createRandom(seed);
}

/** Keras VarianceScaling (and through it GlorotUniform, HeNormal, LecunUniform, ...). */
export class VarianceScaling implements Initializer {
  constructor(
    readonly className: string,
    readonly scale: number,
    readonly mode: Mode,
    readonly distribution: Distribution,
    readonly seed: number | null = null,
    /** Whether getConfig writes scale/mode/distribution (only the generic VarianceScaling does). */
    private readonly generic = className === 'VarianceScaling',
  ) {}

  generate(shape: readonly number[], rng: Random): Float32Array {
    const r = ownRandom(this.seed, rng);
    const [fanIn, fanOut] = computeFans(shape);
    const n = this.mode === 'fan_in' ? fanIn : this.mode === 'fan_out' ? fanOut : (fanIn + fanOut) / 2;
    const scale = this.scale / Math.max(1, n);
    const size = shape.reduce((a, b) => a * b, 1);
    if (this.distribution === 'uniform') {
      const limit = Math.sqrt(3 * scale);
      return r.fill(size, () => r.uniform(-limit, limit));
    }
    if (this.distribution === 'untruncated_normal') {
      const std = Math.sqrt(scale);
      return r.fill(size, () => r.normal(0, std));
    }
    // Keras divides by the std of a unit normal truncated at two std: 0.87962566103423978.
    const std = Math.sqrt(scale) / 0.8796256610342398;
    return r.fill(size, () => r.truncatedNormal(0, std));
  }

  getConfig(): Record<string, unknown> {
    return this.generic
      ? { scale: this.scale, mode: this.mode, distribution: this.distribution, seed: this.seed }
      : { seed: this.seed };
  }
}

/** Keras Constant / Zeros / Ones. */
export class Constant implements Initializer {
  constructor(
    readonly className: 'Constant' | 'Zeros' | 'Ones',
    readonly value: number,
  ) {}
  generate(shape: readonly number[]): Float32Array {
    return new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(this.value);
  }
  getConfig(): Record<string, unknown> {
    return this.className === 'Constant' ? { value: this.value } : {};
  }
}

/** Keras RandomUniform / RandomNormal / TruncatedNormal. */
export class RandomInit implements Initializer {
  constructor(
    readonly className: 'RandomUniform' | 'RandomNormal' | 'TruncatedNormal',
    readonly a: number,
    readonly b: number,
    readonly seed: number | null = null,
  ) {}
  generate(shape: readonly number[], rng: Random): Float32Array {
    const r = ownRandom(this.seed, rng);
    const size = shape.reduce((x, y) => x * y, 1);
    if (this.className === 'RandomUniform') return r.fill(size, () => r.uniform(this.a, this.b));
    if (this.className === 'RandomNormal') return r.fill(size, () => r.normal(this.a, this.b));
    return r.fill(size, () => r.truncatedNormal(this.a, this.b));
  }
  getConfig(): Record<string, unknown> {
    return this.className === 'RandomUniform'
      ? { minval: this.a, maxval: this.b, seed: this.seed }
      : { mean: this.a, stddev: this.b, seed: this.seed };
  }
}

const num = (v: unknown, fallback: number): number => (typeof v === 'number' ? v : fallback);
const seedOf = (c: Record<string, unknown>): number | null => (typeof c.seed === 'number' ? c.seed : null);

const BY_CLASS: Record<string, (c: Record<string, unknown>) => Initializer> = {
  Zeros: () => new Constant('Zeros', 0),
  Ones: () => new Constant('Ones', 1),
  Constant: (c) => new Constant('Constant', num(c.value, 0)),
  RandomUniform: (c) => new RandomInit('RandomUniform', num(c.minval, -0.05), num(c.maxval, 0.05), seedOf(c)),
  RandomNormal: (c) => new RandomInit('RandomNormal', num(c.mean, 0), num(c.stddev, 0.05), seedOf(c)),
  TruncatedNormal: (c) => new RandomInit('TruncatedNormal', num(c.mean, 0), num(c.stddev, 0.05), seedOf(c)),
  GlorotUniform: (c) => new VarianceScaling('GlorotUniform', 1, 'fan_avg', 'uniform', seedOf(c)),
  GlorotNormal: (c) => new VarianceScaling('GlorotNormal', 1, 'fan_avg', 'truncated_normal', seedOf(c)),
  HeUniform: (c) => new VarianceScaling('HeUniform', 2, 'fan_in', 'uniform', seedOf(c)),
  HeNormal: (c) => new VarianceScaling('HeNormal', 2, 'fan_in', 'truncated_normal', seedOf(c)),
  LecunUniform: (c) => new VarianceScaling('LecunUniform', 1, 'fan_in', 'uniform', seedOf(c)),
  LecunNormal: (c) => new VarianceScaling('LecunNormal', 1, 'fan_in', 'truncated_normal', seedOf(c)),
  VarianceScaling: (c) =>
    new VarianceScaling(
      'VarianceScaling',
      num(c.scale, 1),
      (c.mode as Mode) ?? 'fan_in',
      (c.distribution as Distribution) ?? 'truncated_normal',
      seedOf(c),
    ),
};

/** Keras's string names ('glorot_uniform', 'he_normal', 'zeros', ...) and camelCase ones. */
function classFromName(name: string): string | undefined {
  const key = name.replace(/_/g, '').toLowerCase();
  return Object.keys(BY_CLASS).find((c) => c.toLowerCase() === key);
}

/** Resolves an initializer spec (name, Keras JSON or object), naming `what` in errors. */
export function getInitializer(spec: InitializerSpec, what: string): Initializer {
  if (typeof spec === 'object' && 'generate' in spec) return spec;
  const className = typeof spec === 'string' ? classFromName(spec) : spec.class_name;
  const make = className === undefined ? undefined : BY_CLASS[className];
  if (!make) {
    usageError(
      `Unknown ${what} ${JSON.stringify(typeof spec === 'string' ? spec : spec.class_name)}; expected one of ${Object.keys(BY_CLASS).join(', ')} (or their snake_case names such as 'glorot_uniform').`,
    );
  }
  return make(typeof spec === 'string' ? {} : (spec.config ?? {}));
}

/** The Keras JSON of an initializer. */
export function serializeInitializer(init: Initializer): InitializerConfig {
  return { class_name: init.className, config: init.getConfig() };
}
