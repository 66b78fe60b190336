import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { initBackend } from '../init-backend';
import { expectNoLeakedTensors } from '../testing';
import { tileInto } from './tile';

/** Tiles on one backend; returns the values and shape. */
async function tileOn(
  backend: 'cpu' | 'wasm',
  x: tf.TensorLike,
  shape: number[],
  dtype: tf.DataType,
  reps: number[],
) {
  await initBackend(backend);
  const input = tf.tensor(x, shape, dtype);
  const out = tf.tile(input, reps);
  const result = { shape: out.shape, values: Array.from(await out.data()) };
  tf.dispose([input, out]);
  return result;
}

describe('Tile on wasm (block copies)', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });
  afterAll(async () => {
    await initBackend('cpu');
  });

  const cases: [number[], number[]][] = [
    [
      [8, 4, 4, 1],
      [1, 1, 1, 256],
    ], // a reduction's gradient: broadcast along the last axis
    [
      [2, 3],
      [3, 2],
    ],
    [[3], [5]],
    [
      [1, 1, 3],
      [4, 2, 1],
    ],
    [
      [2, 1, 3, 1, 2],
      [1, 3, 2, 4, 1],
    ],
    [
      [4, 5],
      [1, 1],
    ],
    [
      [2, 0, 3],
      [2, 2, 2],
    ], // empty
    [[], []], // a scalar
  ];
  for (const [shape, reps] of cases) {
    for (const dtype of ['float32', 'int32'] as const) {
      it(`[${shape}] x [${reps}] (${dtype}) matches cpu`, async () => {
        const size = shape.reduce((a, b) => a * b, 1);
        const x = Array.from({ length: size }, (_, i) => (dtype === 'int32' ? i * 7 - 11 : Math.sin(i) * 3));
        const want = await tileOn('cpu', x, shape, dtype, reps);
        const got = await tileOn('wasm', x, shape, dtype, reps);
        expect(got.shape).toEqual(want.shape);
        expect(got.values).toEqual(want.values);
      });
    }
  }

  it('keeps every bit of int32 values whose bits read as float NaNs', () => {
    const x = new Int32Array([0x7fa00001, -1, 0x7f800001]);
    const out = new Int32Array(12);
    tileInto(x, out, [3, 1], [1, 4]);
    expect(Array.from(out)).toEqual([
      ...new Array(4).fill(0x7fa00001),
      ...new Array(4).fill(-1),
      ...new Array(4).fill(0x7f800001),
    ]);
  });

  it("runs bool tiles on tfjs-backend-wasm's kernel, and leaks nothing", async () => {
    await initBackend('wasm');
    const original = tf.getKernel(tf.Tile, 'wasm');
    expect(original).toBeDefined();
    const spy = vi.spyOn(Float32Array.prototype, 'copyWithin');
    const b = tf.tensor([true, false], [2], 'bool');
    const t = tf.tile(b, [3]);
    expect(Array.from(await t.data())).toEqual([1, 0, 1, 0, 1, 0]);
    expect(spy).not.toHaveBeenCalled();
    spy.mockRestore();
    tf.dispose([b, t]);
    const x = tf.ones([2, 3]);
    await expectNoLeakedTensors(() => tf.dispose(tf.tile(x, [2, 2])));
    x.dispose();
  });
});
