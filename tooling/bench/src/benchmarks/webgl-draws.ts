import type { Benchmark } from '../harness';
import { measureWebglSteps } from '../webgl-draws';

const BATCH = 64;
/** Steps counted (after a warm-up fit of as many). */
const STEPS = 10;

/**
 * GPU work per training step of the chapter's MNIST convnet (RMSprop, batch 64) on WebGL, the
 * web demo's backend: draws (shader passes, tfjs's texture pack and unpack conversions included),
 * convkit against tfjs-layers in headless Chromium. Each draw is a program switch and a render
 * pass, so a step's cost on a GPU grows with them; the count does not depend on the GPU, so
 * SwiftShader's software WebGL gives a GPU's. The steps are also timed there: SwiftShader runs the
 * shaders on the CPU, so its samples/s say how much work the draws do, not what a GPU would reach.
 */
export const webglDraws: Benchmark = {
  name: 'webgl-draws',
  description: `chapter 5.1 MNIST convnet fit on WebGL in headless Chromium, batch ${BATCH}: draws per training step, and samples/s on SwiftShader`,
  async run() {
    const counts = await measureWebglSteps(BATCH, STEPS);
    if ('skipped' in counts) return { measurements: [], ratios: [], notes: [`skipped: ${counts.skipped}`] };
    const unit = 'draws/step';
    const speed = 'samples/s (SwiftShader)';
    return {
      measurements: [
        { label: 'convkit webgl', perSecond: counts.perStep.convkit.draws, unit },
        { label: 'tfjs-layers webgl', perSecond: counts.perStep['tfjs-layers'].draws, unit },
        { label: 'convkit webgl speed', perSecond: counts.perStep.convkit.samplesPerSecond, unit: speed },
        {
          label: 'tfjs-layers webgl speed',
          perSecond: counts.perStep['tfjs-layers'].samplesPerSecond,
          unit: speed,
        },
      ],
      ratios: [
        { of: 'tfjs-layers webgl', over: 'convkit webgl' },
        { of: 'convkit webgl speed', over: 'tfjs-layers webgl speed' },
      ],
      notes: [
        'draws are counts, not speeds: lower is better, and the first ratio says how many times fewer draws convkit makes',
        `speeds are of the ${STEPS} counted steps, on SwiftShader's CPU-run WebGL`,
      ],
    };
  },
};
