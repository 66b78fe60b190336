import { initBackend } from '@convkit/tensor';
import * as tf from '@tensorflow/tfjs-core';
import type { Benchmark, Measurement } from '../harness';
import { mnistSetup } from '../mnist-convnet';
import { tfjsLayersCountInChild } from '../tfjs-layers-child';
import { countDispatches } from '../webgpu-dispatches';

const BATCH = 64;
/** Steps counted (after a warm-up fit of as many). */
const STEPS = 10;

/**
 * GPU work per training step of the chapter's MNIST convnet (RMSprop, batch 64) on WebGPU:
 * compute dispatches and read-backs, convkit against tfjs-layers, and the host's milliseconds
 * per step (wall time outside the read-backs: JavaScript, tfjs's bookkeeping, Dawn's encoding
 * and submits). A step's host-side cost grows with its dispatches (each is a pipeline bind, a
 * uniform upload and a launch), and a read-back waits for the GPU to drain. The counts do not
 * depend on the adapter, so this runs on any, lavapipe's software one included; the host time
 * is the CPU's, a little more on a software adapter (its threads take CPU from the main thread).
 */
export const webgpuDispatches: Benchmark = {
  name: 'webgpu-dispatches',
  description: `chapter 5.1 MNIST convnet fit on WebGPU, batch ${BATCH}: GPU dispatches and read-backs per training step (any adapter, software included)`,
  async run() {
    const why = await initBackend('webgpu').then(
      () => undefined,
      (e: Error) => e.message.split('\n')[0],
    );
    if (why) return { measurements: [], ratios: [], notes: [`skipped: ${why}`] };
    const { model, x, y } = mnistSetup(BATCH * STEPS);
    await model.fit(x, y, { batchSize: BATCH });
    const convkit = await countDispatches(() => model.fit(x, y, { batchSize: BATCH }));
    tf.dispose([x, y]);
    model.dispose();
    const unit = 'dispatches/step';
    const hostUnit = 'host ms/step';
    const measurements: Measurement[] = [
      {
        label: 'convkit webgpu',
        perSecond: convkit.dispatches / STEPS,
        unit,
        note: `${(convkit.reads / STEPS).toFixed(1)} read-backs/step`,
      },
      { label: 'convkit webgpu host', perSecond: convkit.hostMs / STEPS, unit: hostUnit },
    ];
    const notes: string[] = [];
    const tfl = tfjsLayersCountInChild({
      task: 'mnist-dispatches',
      backend: 'webgpu',
      samples: BATCH * STEPS,
      batch: BATCH,
    });
    if ('skipped' in tfl) notes.push(`tfjs-layers skipped: ${tfl.skipped}`);
    else {
      measurements.push({
        label: 'tfjs-layers webgpu',
        perSecond: tfl.perStep.dispatches,
        unit,
        note: `${tfl.perStep.reads.toFixed(1)} read-backs/step`,
      });
      measurements.push({ label: 'tfjs-layers webgpu host', perSecond: tfl.perStep.hostMs, unit: hostUnit });
    }
    notes.push(
      'counts and milliseconds, not speeds: lower is better, and the ratios say how many times fewer dispatches convkit launches and how many times less host time it takes',
    );
    const ratios = [
      { of: 'tfjs-layers webgpu', over: 'convkit webgpu' },
      { of: 'tfjs-layers webgpu host', over: 'convkit webgpu host' },
    ];
    return { measurements, ratios, notes };
  },
};
