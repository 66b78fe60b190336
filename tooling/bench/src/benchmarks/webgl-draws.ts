import type { Benchmark } from '../harness';
import { countWebglDraws } from '../webgl-draws';

const BATCH = 64;
/** Steps counted (after a warm-up fit of as many). */
const STEPS = 10;

/**
 * GPU work per training step of the chapter's MNIST convnet (RMSprop, batch 64) on WebGL, the
 * web demo's backend: draws (shader passes, tfjs's texture pack and unpack conversions included),
 * convkit against tfjs-layers in headless Chromium. Each draw is a program switch and a render
 * pass, so a step's cost on a GPU grows with them; the count does not depend on the GPU, so
 * SwiftShader's software WebGL gives a GPU's.
 */
export const webglDraws: Benchmark = {
  name: 'webgl-draws',
  description: `chapter 5.1 MNIST convnet fit on WebGL in headless Chromium, batch ${BATCH}: draws per training step`,
  async run() {
    const counts = await countWebglDraws(BATCH, STEPS);
    if ('skipped' in counts) return { measurements: [], ratios: [], notes: [`skipped: ${counts.skipped}`] };
    const unit = 'draws/step';
    return {
      measurements: [
        { label: 'convkit webgl', perSecond: counts.perStep.convkit, unit },
        { label: 'tfjs-layers webgl', perSecond: counts.perStep['tfjs-layers'], unit },
      ],
      ratios: [{ of: 'tfjs-layers webgl', over: 'convkit webgl' }],
      notes: [
        'counts, not speeds: lower is better, and the ratio says how many times fewer draws convkit makes',
      ],
    };
  },
};
