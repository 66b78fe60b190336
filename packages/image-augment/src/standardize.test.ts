import { createRandom, initBackend } from '@convkit/tensor';
import { expectNoLeakedTensors, forEachBackend, webgpuUnavailable } from '@convkit/tensor/testing';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { jacobiEigen } from './fit';
import { ImageDataGenerator } from './image-data-generator';
import type { ImageDataGeneratorOptions } from './options';
import { pythonMissing, runPython } from './test-support/python';

const [N, H, W, C] = [60, 4, 4, 3];
const rng = createRandom(7);
const data = Array.from({ length: N * H * W * C }, () => rng.int(0, 256));

const missing = pythonMissing(['numpy', 'scipy', 'keras_preprocessing.image']);

forEachBackend(['cpu'], () => {
  describe('standardize and fit', () => {
    it('samplewise centring and std normalisation use the whole image (std + 1e-6), after rescale', () => {
      const g = new ImageDataGenerator(
        { rescale: 0.5, samplewiseStdNormalization: true },
        { onWarning: () => {} },
      );
      const x = tf.tensor3d([0, 2, 4, 6], [2, 2, 1]);
      const y = g.standardize(x);
      // 0.5 x = [0, 1, 2, 3]: mean 1.5, std sqrt(1.25)
      const s = Math.sqrt(1.25) + 1e-6;
      const v = Array.from(y.dataSync());
      [-1.5, -0.5, 0.5, 1.5].forEach((e, i) => {
        expect(v[i]).toBeCloseTo(e / s, 5);
      });
      tf.dispose([x, y]);
    });

    it('runs preprocessingFunction first, on the 0-255 augmented image, and checks its shape', () => {
      const seen: number[] = [];
      const g = new ImageDataGenerator({
        rescale: 1 / 255,
        preprocessingFunction: (x) => {
          seen.push(...x.dataSync());
          return tf.sub(255, x) as tf.Tensor3D;
        },
      });
      const x = tf.tensor3d([0, 255], [1, 2, 1]);
      const y = g.standardize(x);
      expect(seen).toEqual([0, 255]);
      expect(Array.from(y.dataSync())).toEqual([1, 0]);
      const bad = new ImageDataGenerator({
        preprocessingFunction: (t) => tf.reshape(t, [2, 1, 1]) as tf.Tensor3D,
      });
      expect(() => bad.standardize(x)).toThrow(
        /preprocessingFunction must return a tensor of the image's shape \[1, 2, 1\], got \[2, 1, 1\]/,
      );
      tf.dispose([x, y]);
    });

    it('warns once when featurewise options are used before fit', () => {
      const warnings: string[] = [];
      const g = new ImageDataGenerator({ featurewiseCenter: true }, { onWarning: (m) => warnings.push(m) });
      const x = tf.ones([2, 2, 3]) as tf.Tensor3D;
      tf.dispose([g.standardize(x), g.standardize(x), x]);
      expect(warnings).toEqual([expect.stringMatching(/featurewiseCenter, but it has not been fit/)]);
    });

    it('fit and standardize leak no tensors', async () => {
      const g = new ImageDataGenerator({
        featurewiseStdNormalization: true,
        zcaWhitening: false,
        rescale: 1 / 255,
      });
      const x = tf.tensor4d(data, [N, H, W, C]);
      await expectNoLeakedTensors(() => {
        g.fit(x, { augment: true, rounds: 2, seed: 1 });
        tf.dispose(g.standardize(x));
      });
      x.dispose();
    });

    it('the Jacobi eigensolver diagonalises a symmetric matrix', () => {
      const a = Float64Array.from([4, 1, 2, 1, 3, 0.5, 2, 0.5, 5]);
      const { values, vectors } = jacobiEigen(a, 3);
      for (let k = 0; k < 3; k++) {
        for (let i = 0; i < 3; i++) {
          let av = 0;
          for (let j = 0; j < 3; j++) av += a[i * 3 + j] * vectors[j * 3 + k];
          expect(av).toBeCloseTo(values[k] * vectors[i * 3 + k], 10);
        }
      }
    });

    it.skipIf(missing)(
      `featurewise mean/std and ZCA match Keras's fit + standardize${missing ? ` (skipped: ${missing})` : ''}`,
      () => {
        const ref = runPython<{ norm: number[]; zca: number[]; mean: number[]; std: number[] }>(
          `
import json, sys, numpy as np
from keras_preprocessing.image import ImageDataGenerator
x = np.array(json.loads(sys.argv[1]), dtype=np.float32).reshape(${N}, ${H}, ${W}, ${C})
g = ImageDataGenerator(featurewise_center=True, featurewise_std_normalization=True, rescale=1/255)
# keras_preprocessing 1.1.0's fit ignores rescale; the latest rescales first (as this package): do it here.
g.fit(x * np.float32(1/255))
norm = np.stack([g.standardize(np.copy(x[i])) for i in range(5)])
z = ImageDataGenerator(zca_whitening=True)
z.fit(x)
zca = np.stack([z.standardize(np.copy(x[i])) for i in range(5)])
print(json.dumps({"norm": norm.ravel().tolist(), "zca": zca.ravel().tolist(),
                  "mean": g.mean.ravel().tolist(), "std": g.std.ravel().tolist()}))`,
          { args: [JSON.stringify(data)] },
        );
        const x = tf.tensor4d(data, [N, H, W, C]);
        const first = tf.slice(x, [0, 0, 0, 0], [5, H, W, C]) as tf.Tensor4D;
        const g = new ImageDataGenerator({
          featurewiseCenter: true,
          featurewiseStdNormalization: true,
          rescale: 1 / 255,
        });
        g.fit(x);
        g.statistics.mean?.forEach((m, i) => {
          expect(m).toBeCloseTo(ref.mean[i], 5);
        });
        g.statistics.std?.forEach((s, i) => {
          expect(s).toBeCloseTo(ref.std[i], 5);
        });
        const norm = g.standardize(first);
        const nv = norm.dataSync();
        ref.norm.forEach((v, i) => {
          expect(nv[i]).toBeCloseTo(v, 3);
        });
        const z = new ImageDataGenerator({ zcaWhitening: true }, { onWarning: () => {} });
        z.fit(x);
        const zca = z.standardize(first);
        const zv = zca.dataSync();
        let worst = 0;
        ref.zca.forEach((v, i) => {
          worst = Math.max(worst, Math.abs(zv[i] - v));
        });
        expect(worst).toBeLessThan(2e-3);
        tf.dispose([x, first, norm, zca]);
      },
    );
  });
});

// Runs where WebGPU starts (CI installs Mesa's lavapipe); skipped elsewhere.
describe.skipIf(await webgpuUnavailable())('fit on WebGPU in node (no synchronous read)', () => {
  it("learns cpu's statistics once awaited: featurewise mean and std, and ZCA", async () => {
    // zcaWhitening turns featurewise centring on and std normalisation off, as in Keras.
    const featurewise = { featurewiseCenter: true, featurewiseStdNormalization: true, rescale: 1 / 255 };
    const learn = async (backend: 'cpu' | 'webgpu', options: ImageDataGeneratorOptions) => {
      await initBackend(backend);
      tf.env().set('WEBGPU_CPU_FORWARD', false); // else tfjs computes these small ops on the CPU
      const g = new ImageDataGenerator(options, { onWarning: () => {} });
      const x = tf.tensor4d(data, [N, H, W, C]);
      const computed = tf.mul(x, 1) as tf.Tensor4D; // on the backend: no synchronous read on webgpu
      await g.fit(computed);
      tf.dispose([x, computed]);
      return g.statistics;
    };
    const [cpu, gpu] = [await learn('cpu', featurewise), await learn('webgpu', featurewise)];
    const [cpuZca, gpuZca] = [
      await learn('cpu', { zcaWhitening: true }),
      await learn('webgpu', { zcaWhitening: true }),
    ];
    tf.env().set('WEBGPU_CPU_FORWARD', true);
    await initBackend('cpu');
    expect(gpu.mean).toHaveLength(C);
    expect(gpu.mean!.map((m, i) => m - cpu.mean![i]).every((d) => Math.abs(d) < 1e-5)).toBe(true);
    expect(gpu.std!.map((s, i) => s - cpu.std![i]).every((d) => Math.abs(d) < 1e-5)).toBe(true);
    expect(gpuZca.zca!.components).toBe(cpuZca.zca!.components);
    const scales = Array.from(cpuZca.zca!.scale, (s, i) => gpuZca.zca!.scale[i] / s);
    expect(scales.every((r) => Math.abs(r - 1) < 1e-3)).toBe(true);
  });
});
