import type { BackendName } from '@convkit/tensor';
import { expectNoLeakedTensors, forEachBackend, webgpuUnavailable } from '@convkit/tensor/testing';
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { adam, type Optimizer, rmsprop, sgd } from './optimizers';

/** Keras 2's update rules in float64, one weight element at a time (the reference). */
type Ref = (w: number, g: number, s: number[], t: number, lr: number) => number;

const rmspropRef =
  (rho: number, eps: number, momentum = 0, centered = false): Ref =>
  (w, g, s, _t, lr) => {
    s[0] = rho * s[0] + (1 - rho) * g * g; // ms
    let denom = s[0];
    if (centered) {
      s[2] = rho * s[2] + (1 - rho) * g; // mg
      denom = s[0] - s[2] * s[2];
    }
    if (momentum) {
      s[1] = momentum * s[1] + (lr * g) / Math.sqrt(denom + eps);
      return w - s[1];
    }
    return w - (lr * g) / (Math.sqrt(denom) + eps);
  };

const adamRef =
  (b1: number, b2: number, eps: number): Ref =>
  (w, g, s, t, lr) => {
    s[0] = b1 * s[0] + (1 - b1) * g;
    s[1] = b2 * s[1] + (1 - b2) * g * g;
    const lrT = (lr * Math.sqrt(1 - b2 ** t)) / (1 - b1 ** t);
    return w - (lrT * s[0]) / (Math.sqrt(s[1]) + eps);
  };

const sgdRef =
  (momentum: number, nesterov: boolean): Ref =>
  (w, g, s, _t, lr) => {
    if (!momentum) return w - lr * g;
    s[0] = momentum * s[0] - lr * g;
    return w + (nesterov ? momentum * s[0] - lr * g : s[0]);
  };

const CASES: [string, () => Optimizer, Ref][] = [
  ['RMSprop (Keras defaults)', () => rmsprop(), rmspropRef(0.9, 1e-7)],
  ['RMSprop rho 0.5', () => rmsprop({ rho: 0.5, learningRate: 0.01 }), rmspropRef(0.5, 1e-7)],
  ['RMSprop momentum', () => rmsprop({ momentum: 0.8 }), rmspropRef(0.9, 1e-7, 0.8)],
  ['RMSprop centered', () => rmsprop({ centered: true }), rmspropRef(0.9, 1e-7, 0, true)],
  ['Adam (Keras defaults)', () => adam(), adamRef(0.9, 0.999, 1e-7)],
  ['Adam betas 0.5/0.6', () => adam({ beta1: 0.5, beta2: 0.6, epsilon: 1e-3 }), adamRef(0.5, 0.6, 1e-3)],
  ['SGD', () => sgd({ learningRate: 0.1 }), sgdRef(0, false)],
  [
    'SGD Nesterov momentum',
    () => sgd({ learningRate: 0.1, momentum: 0.9, nesterov: true }),
    sgdRef(0.9, true),
  ],
];

/** Gradients with mixed scales (tiny ones included, where epsilon matters) and exact zeros. */
function gradValues(step: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => {
    if (i % 7 === 3) return 0;
    const scale = 10 ** -((i + step) % 8);
    return Math.sin(1 + i * 1.7 + step * 2.3) * scale;
  });
}

/** WebGPU runs each update as fused formulas (one dispatch per output); cpu and wasm as ops. */
const backends: BackendName[] = [
  'cpu',
  'wasm',
  ...((await webgpuUnavailable()) ? [] : (['webgpu'] as const)),
];

forEachBackend(backends, (backend) => {
  for (const [name, make, ref] of CASES) {
    it(`${name} follows Keras 2's update within 1e-5 over 6 steps (learning rate changed midway)`, async () => {
      const n = 24;
      const init = Array.from({ length: n }, (_, i) => Math.cos(i) * 0.5);
      const w = tf.variable(tf.tensor2d(init, [4, 6]));
      const opt = make();
      const expected = [...init];
      const slots = init.map(() => [0, 0, 0]);
      await expectNoLeakedTensors(
        () => {
          for (let step = 1; step <= 6; step++) {
            if (step === 4) opt.learningRate *= 0.5;
            const values = gradValues(step, n);
            const g = tf.tensor2d(values, [4, 6]);
            opt.applyGradients([{ variable: w, grad: g }]);
            g.dispose();
            for (let i = 0; i < n; i++) {
              expected[i] = ref(expected[i], values[i], slots[i], step, opt.learningRate);
            }
          }
        },
        { allowed: 3 }, // the optimizer's slots, allocated on the first step
      );
      const got = await w.data(); // async: WebGPU in node has no synchronous read
      const moved = expected.some((v, i) => Math.abs(v - init[i]) > 1e-4);
      expect(moved).toBe(true);
      for (let i = 0; i < n; i++) {
        expect(Math.abs(got[i] - expected[i]), `element ${i}`).toBeLessThan(
          1e-5 * Math.max(1, Math.abs(expected[i])),
        );
      }
      opt.dispose();
      w.dispose();
    });
  }

  const fused = backend === 'webgpu';
  const [rmspropKernels, adamKernels] = fused ? [2, 3] : [8, 10];
  it(`updates a weight with RMSprop in ${rmspropKernels} kernels and Adam in ${adamKernels} per step, uploading no scalar per weight`, () => {
    const counts = (opt: Optimizer) => {
      const vars = [tf.variable(tf.ones([3, 2])), tf.variable(tf.ones([2]))];
      const grads = [tf.fill([3, 2], 0.5), tf.fill([2], 0.25)];
      const apply = () => opt.applyGradients(vars.map((variable, i) => ({ variable, grad: grads[i] })));
      apply(); // allocates the slots
      const engine = tf.engine() as unknown as { runKernel: (...a: unknown[]) => unknown };
      const original = engine.runKernel;
      let kernels = 0;
      engine.runKernel = function (this: unknown, ...a: unknown[]) {
        kernels++;
        return original.apply(this, a);
      };
      const before = tf.engine().state.numTensors;
      let made = 0;
      const trackTensor = tf.engine().makeTensor.bind(tf.engine());
      tf.engine().makeTensor = (...a: Parameters<typeof trackTensor>) => {
        made++;
        return trackTensor(...a);
      };
      try {
        apply();
      } finally {
        engine.runKernel = original;
        tf.engine().makeTensor = trackTensor;
      }
      expect(tf.engine().state.numTensors).toBe(before);
      opt.dispose();
      tf.dispose([...vars, ...grads]);
      return { kernels, made };
    };
    // As ops: rho, epsilon' and the step size once per step; fused, numbers are uniforms.
    const r = counts(rmsprop());
    expect(r.kernels).toBe(2 * rmspropKernels);
    expect(r.made).toBeLessThanOrEqual(fused ? 0 : 3);
    const a = counts(adam());
    expect(a.kernels).toBe(2 * adamKernels);
    expect(a.made).toBeLessThanOrEqual(fused ? 0 : 4);
  });
});
