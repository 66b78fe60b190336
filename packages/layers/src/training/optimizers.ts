import { elementwise, ew, readSync } from '@convkit/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { usageError } from '../core/errors';
import { ModelFormatError } from '../io/errors';

/** A model weight by its Keras name ('conv2d/kernel'), as getWeights and setWeights take them. */
export interface NamedVariable {
  name: string;
  variable: tf.Variable;
}

/** A tensor with a name, as optimizer state is saved ('iter', 'dense/kernel/rms'). */
export interface NamedTensor {
  name: string;
  tensor: tf.Tensor;
}

/** A weight and its gradient, as the optimizer receives them. */
export interface WeightGradient {
  variable: tf.Variable;
  grad: tf.Tensor;
}

/**
 * An optimizer updates weights from their gradients, Keras 2's way. Its per-weight state
 * (moving averages, momenta) is allocated once, the first time it sees a weight.
 */
export abstract class Optimizer {
  /** Keras class name: 'RMSprop', 'Adam', 'SGD'. */
  abstract readonly className: string;
  /** Step size. */
  learningRate: number;
  /** Number of updates applied so far (Keras's `iterations`). */
  iterations = 0;
  private readonly slots = new Map<tf.Variable, tf.Variable[]>();

  constructor(learningRate: number) {
    if (!(learningRate > 0)) usageError(`learningRate must be a positive number; found ${learningRate}.`);
    this.learningRate = learningRate;
  }

  /**
   * The state tensors each weight has, by the suffix tfjs and Keras save them under ('rms',
   * 'momentum', 'm', 'v'), in the order `update` takes them.
   */
  protected abstract slotNames(): string[];

  /**
   * The slots saved state lists, in tfjs-layers' order: `slotNames` plus any that tfjs's version
   * of this optimizer always keeps (saved as zeros and ignored on load, where these settings
   * never read them), so that tfjs-layers can resume from what convkit saves.
   */
  protected savedSlotNames(): string[] {
    return this.slotNames();
  }

  /**
   * Per slot, the factor that turns the stored tensor into Keras's value of that state (an
   * update may keep a scaled state to save kernels). 1 where they are the same.
   */
  protected slotScales(): number[] {
    return this.slotNames().map(() => 1);
  }

  /**
   * One weight's new value and new state, as elementwise formulas (see @convkit/tensor's
   * `elementwise`) of its value `w`, gradient `g` and state: one dispatch per output on WebGPU
   * and WebGL, tfjs ops elsewhere.
   */
  protected abstract update(w: ew.ExprNode, g: ew.ExprNode, state: ew.ExprNode[]): ew.Term[];

  /** Applies one update step to every weight (assigns in place; frees its temporaries). */
  applyGradients(pairs: WeightGradient[]): void {
    this.iterations++;
    tf.tidy(() => {
      // Each constant becomes one scalar tensor per step, shared by all weights (where the
      // formulas run as tfjs ops; on WebGPU and WebGL they are uniforms).
      const scalars = new Map<number, tf.Scalar>();
      for (const { variable, grad } of pairs) {
        let state = this.slots.get(variable);
        if (!state) {
          state = this.slotNames().map(() => {
            const zeros = tf.zerosLike(variable);
            const slot = tf.variable(zeros, false);
            zeros.dispose();
            return slot;
          });
          this.slots.set(variable, state);
        }
        const [next, ...nextState] = elementwise(
          [variable, grad, ...state],
          ([w, g, ...s]) => this.update(w, g, s),
          { scalars },
        );
        variable.assign(next);
        nextState.forEach((t, i) => {
          state[i].assign(t);
        });
      }
    });
  }

  /**
   * The optimizer's state as named tensors, as tfjs-layers saves it with `includeOptimizer`:
   * 'iter' (int32 scalar), then for each kind of slot `${weight name}/${slot}` for every weight
   * in `weights` that has state, holding Keras's value of that state. The caller disposes them.
   */
  getWeights(weights: readonly NamedVariable[]): NamedTensor[] {
    const out: NamedTensor[] = [{ name: 'iter', tensor: tf.scalar(this.iterations, 'int32') }];
    const kept = this.slotNames();
    const scales = this.slotScales();
    for (const slot of this.savedSlotNames()) {
      const i = kept.indexOf(slot);
      for (const w of weights) {
        const state = this.slots.get(w.variable);
        if (!state) continue;
        let tensor: tf.Tensor;
        if (i < 0) tensor = tf.zerosLike(w.variable);
        else tensor = scales[i] === 1 ? tf.clone(state[i]) : tf.tidy(() => tf.mul(state[i], scales[i]));
        out.push({ name: `${w.name}/${slot}`, tensor });
      }
    }
    return out;
  }

  /**
   * Restores state that getWeights wrote, for the same model and optimizer settings. All or
   * nothing: throws (and changes nothing) when 'iter' is missing, a name is unknown, or a shape
   * differs. Weights without saved state start fresh, as ones never trained do.
   */
  setWeights(values: readonly NamedTensor[], weights: readonly NamedVariable[]): void {
    const iter = values.find((v) => v.name === 'iter');
    if (iter?.tensor.size !== 1) {
      throw new ModelFormatError(`${this.className} state has no 'iter' scalar; found ${names(values)}.`);
    }
    const slots = this.slotNames();
    const scales = this.slotScales();
    const byName = new Map(weights.map((w) => [w.name, w]));
    const plan = new Map<tf.Variable, (tf.Tensor | undefined)[]>();
    for (const { name, tensor } of values) {
      if (name === 'iter') continue;
      const cut = name.lastIndexOf('/');
      const weight = byName.get(name.slice(0, cut));
      const slot = slots.indexOf(name.slice(cut + 1));
      if (weight && slot < 0 && this.savedSlotNames().includes(name.slice(cut + 1))) continue;
      if (cut < 0 || !weight || slot < 0) {
        throw new ModelFormatError(
          `${this.className} state ${name} belongs to no weight of this model or to no slot of ${this.className} ` +
            `(${slots.map((x) => `'${x}'`).join(', ') || 'none'} with these settings).`,
        );
      }
      if (tensor.shape.join() !== weight.variable.shape.join()) {
        throw new ModelFormatError(
          `${this.className} state ${name} has shape [${tensor.shape}], its weight [${weight.variable.shape}].`,
        );
      }
      const entry = plan.get(weight.variable) ?? slots.map(() => undefined);
      entry[slot] = tensor;
      plan.set(weight.variable, entry);
    }
    for (const [variable, entry] of plan) {
      const missing = entry.indexOf(undefined);
      if (missing >= 0) {
        const weight = weights.find((w) => w.variable === variable)?.name;
        throw new ModelFormatError(`${this.className} state has no '${slots[missing]}' for ${weight}.`);
      }
    }
    const iterations = readSync(
      iter.tensor,
      'Optimizer.setWeights',
      "Give 'iter' as a tensor made from a number (tf.scalar(n, 'int32')).",
    )[0];
    this.dispose();
    this.iterations = iterations;
    for (const [variable, entry] of plan) {
      this.slots.set(
        variable,
        entry.map((t, i) => {
          const value = tf.tidy(() => tf.div(tf.cast(t!, 'float32'), scales[i]));
          const slot = tf.variable(value, false);
          value.dispose();
          return slot;
        }),
      );
    }
  }

  /** Keras JSON config of the optimizer. */
  abstract getConfig(): Record<string, unknown>;

  /** Frees the optimizer's state tensors. */
  dispose(): void {
    for (const state of this.slots.values()) tf.dispose(state);
    this.slots.clear();
  }
}

/** Options of `rmsprop` (Keras defaults: learningRate 1e-3, rho 0.9, momentum 0, epsilon 1e-7). */
export interface RMSpropArgs {
  learningRate?: number;
  /** Keras's older name for learningRate (`RMSprop(lr=1e-4)`). */
  lr?: number;
  rho?: number;
  momentum?: number;
  epsilon?: number;
  centered?: boolean;
}

/**
 * RMSprop as Keras 2 (TensorFlow) implements it: ms = rho ms + (1 - rho) g^2, then
 * w -= lr g / (sqrt(ms) + epsilon) (epsilon outside the root, unlike tfjs-core's rmsprop);
 * with momentum, mom = momentum mom + lr g / sqrt(ms + epsilon) and w -= mom.
 */
export class RMSprop extends Optimizer {
  readonly className = 'RMSprop';
  readonly rho: number;
  readonly momentum: number;
  readonly epsilon: number;
  readonly centered: boolean;

  constructor(args: RMSpropArgs = {}) {
    super(args.learningRate ?? args.lr ?? 1e-3);
    this.rho = args.rho ?? 0.9;
    this.momentum = args.momentum ?? 0;
    this.epsilon = args.epsilon ?? 1e-7;
    this.centered = args.centered ?? false;
  }

  protected slotNames(): string[] {
    return ['rms', ...(this.momentum ? ['momentum'] : []), ...(this.centered ? ['mg'] : [])];
  }

  protected override savedSlotNames(): string[] {
    return ['rms', 'momentum', ...(this.centered ? ['mg'] : [])];
  }

  protected override slotScales(): number[] {
    return this.slotNames().map((_, i) => (i === 0 && this.scaledRms() ? 1 - this.rho : 1));
  }

  /** The default update keeps ms / (1 - rho) in its first slot (see update). */
  private scaledRms(): boolean {
    return !this.momentum && !this.centered && this.rho < 1;
  }

  protected update(w: ew.ExprNode, g: ew.ExprNode, state: ew.ExprNode[]): ew.Term[] {
    const { add, div, mul, sqrt, square, sub } = ew;
    if (this.scaledRms()) {
      // The default (the chapter's) in 8 ops instead of 9 where formulas run as ops: the slot
      // holds s = ms / (1 - rho), so s' = rho s + g^2, and lr g / (sqrt(ms') + eps) =
      // c g / (sqrt(s') + eps / sqrt(1 - rho)) with c = lr / sqrt(1 - rho). The same update as
      // Keras's, up to float rounding.
      const root = Math.sqrt(1 - this.rho);
      const sNew = add(mul(state[0], this.rho), square(g));
      const q = div(g, add(sqrt(sNew), this.epsilon / root));
      return [sub(w, mul(q, this.learningRate / root)), sNew];
    }
    const [ms] = state;
    const msNew = add(mul(ms, this.rho), mul(square(g), 1 - this.rho));
    let denomSquared = msNew;
    let mgNew: ew.Term | undefined;
    if (this.centered) {
      const mg = state[state.length - 1];
      mgNew = add(mul(mg, this.rho), mul(g, 1 - this.rho));
      denomSquared = sub(msNew, square(mgNew));
    }
    const extra = mgNew ? [mgNew] : [];
    if (this.momentum) {
      const mom = state[1];
      const momNew = add(
        mul(mom, this.momentum),
        div(mul(g, this.learningRate), sqrt(add(denomSquared, this.epsilon))),
      );
      return [sub(w, momNew), msNew, momNew, ...extra];
    }
    const step = div(mul(g, this.learningRate), add(sqrt(denomSquared), this.epsilon));
    return [sub(w, step), msNew, ...extra];
  }

  getConfig(): Record<string, unknown> {
    return {
      name: 'RMSprop',
      learning_rate: this.learningRate,
      rho: this.rho,
      momentum: this.momentum,
      epsilon: this.epsilon,
      centered: this.centered,
    };
  }
}

/** Options of `adam` (Keras defaults: learningRate 1e-3, beta1 0.9, beta2 0.999, epsilon 1e-7). */
export interface AdamArgs {
  learningRate?: number;
  /** Keras's older name for learningRate (`RMSprop(lr=1e-4)`). */
  lr?: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
}

/** Adam as Keras 2 implements it: w -= lr sqrt(1 - b2^t) / (1 - b1^t) m / (sqrt(v) + epsilon). */
export class Adam extends Optimizer {
  readonly className = 'Adam';
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;

  constructor(args: AdamArgs = {}) {
    super(args.learningRate ?? args.lr ?? 1e-3);
    this.beta1 = args.beta1 ?? 0.9;
    this.beta2 = args.beta2 ?? 0.999;
    this.epsilon = args.epsilon ?? 1e-7;
  }

  protected slotNames(): string[] {
    return ['m', 'v'];
  }

  protected override slotScales(): number[] {
    return this.scaledMoments() ? [1 - this.beta1, 1 - this.beta2] : [1, 1];
  }

  /** The usual update keeps m / (1 - beta1) and v / (1 - beta2) (see update). */
  private scaledMoments(): boolean {
    return this.beta1 < 1 && this.beta2 < 1;
  }

  protected update(w: ew.ExprNode, g: ew.ExprNode, [m, v]: ew.ExprNode[]): ew.Term[] {
    const { add, div, mul, sqrt, square, sub } = ew;
    const t = this.iterations;
    const lrT = (this.learningRate * Math.sqrt(1 - this.beta2 ** t)) / (1 - this.beta1 ** t);
    if (this.scaledMoments()) {
      // 10 ops instead of 12 where formulas run as ops: the slots hold m / (1 - beta1) and
      // v / (1 - beta2), so m' = beta1 m + g and v' = beta2 v + g^2, and lrT m / (sqrt(v) + eps)
      // becomes c m / (sqrt(v) + eps / sqrt(1 - beta2)) with c = lrT (1 - beta1) / sqrt(1 - beta2).
      const root = Math.sqrt(1 - this.beta2);
      const mNew = add(mul(m, this.beta1), g);
      const vNew = add(mul(v, this.beta2), square(g));
      const q = div(mNew, add(sqrt(vNew), this.epsilon / root));
      return [sub(w, mul(q, (lrT * (1 - this.beta1)) / root)), mNew, vNew];
    }
    const mNew = add(mul(m, this.beta1), mul(g, 1 - this.beta1));
    const vNew = add(mul(v, this.beta2), mul(square(g), 1 - this.beta2));
    const step = div(mul(mNew, lrT), add(sqrt(vNew), this.epsilon));
    return [sub(w, step), mNew, vNew];
  }

  getConfig(): Record<string, unknown> {
    return {
      name: 'Adam',
      learning_rate: this.learningRate,
      beta_1: this.beta1,
      beta_2: this.beta2,
      epsilon: this.epsilon,
      amsgrad: false,
    };
  }
}

/** Options of `sgd` (Keras defaults: learningRate 0.01, momentum 0, nesterov false). */
export interface SGDArgs {
  learningRate?: number;
  /** Keras's older name for learningRate (`RMSprop(lr=1e-4)`). */
  lr?: number;
  momentum?: number;
  nesterov?: boolean;
}

/** SGD with optional (Nesterov) momentum, as Keras 2: v = momentum v - lr g; w += v (or momentum v - lr g). */
export class SGD extends Optimizer {
  readonly className = 'SGD';
  readonly momentum: number;
  readonly nesterov: boolean;

  constructor(args: SGDArgs = {}) {
    super(args.learningRate ?? args.lr ?? 0.01);
    this.momentum = args.momentum ?? 0;
    this.nesterov = args.nesterov ?? false;
  }

  protected slotNames(): string[] {
    return this.momentum ? ['momentum'] : [];
  }

  protected update(w: ew.ExprNode, g: ew.ExprNode, state: ew.ExprNode[]): ew.Term[] {
    const { add, mul, sub } = ew;
    const lrG = mul(g, this.learningRate);
    if (!this.momentum) return [sub(w, lrG)];
    const vNew = sub(mul(state[0], this.momentum), lrG);
    const delta = this.nesterov ? sub(mul(vNew, this.momentum), lrG) : vNew;
    return [add(w, delta), vNew];
  }

  getConfig(): Record<string, unknown> {
    return {
      name: 'SGD',
      learning_rate: this.learningRate,
      momentum: this.momentum,
      nesterov: this.nesterov,
    };
  }
}

/** RMSprop (Keras `optimizers.RMSprop`): `rmsprop({ learningRate: 1e-4 })`. */
export function rmsprop(args: RMSpropArgs = {}): RMSprop {
  return new RMSprop(args);
}

/** Adam (Keras `optimizers.Adam`). */
export function adam(args: AdamArgs = {}): Adam {
  return new Adam(args);
}

/** SGD (Keras `optimizers.SGD`): `sgd({ learningRate: 1e-4, momentum: 0.9 })`. */
export function sgd(args: SGDArgs = {}): SGD {
  return new SGD(args);
}

/** What compile() accepts as an optimizer: a Keras name, an Optimizer, or `{ name, learningRate, ... }`. */
export type OptimizerSpec =
  | 'rmsprop'
  | 'adam'
  | 'sgd'
  | Optimizer
  | ({ name: 'rmsprop' } & RMSpropArgs)
  | ({ name: 'adam' } & AdamArgs)
  | ({ name: 'sgd' } & SGDArgs);

/** Resolves an optimizer spec (case-insensitive names; Keras defaults). */
export function getOptimizer(spec: OptimizerSpec): Optimizer {
  if (spec instanceof Optimizer) return spec;
  const { name, ...args } = typeof spec === 'string' ? { name: spec } : spec;
  switch (String(name).toLowerCase()) {
    case 'rmsprop':
      return new RMSprop(args);
    case 'adam':
      return new Adam(args);
    case 'sgd':
      return new SGD(args);
    default:
      return usageError(
        `Unknown optimizer ${JSON.stringify(name)}; expected 'rmsprop', 'adam' or 'sgd' (or an Optimizer object).`,
      );
  }
}

function names(values: readonly NamedTensor[]): string {
  return values.length ? values.map((v) => v.name).join(', ') : 'nothing';
}
