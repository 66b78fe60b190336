import { initBackend } from '@convkit/tensor';
import * as tf from '@tensorflow/tfjs-core';
// The bench has no package dependency on pretrained-vgg16; it runs the package's source through
// tsx (its @convkit/layers import needs `pnpm build` first).
import { buildVgg16 } from '../../../../packages/pretrained-vgg16/src/architecture';
import { disposeModel } from '../../../../packages/pretrained-vgg16/src/dispose';
import { extractFeatures } from '../../../../packages/pretrained-vgg16/src/extract-features';
import type { Benchmark, Measurement } from '../harness';
import { runTorch, torchUnavailable } from '../torch';

const BATCH = 20;
const SIZE = 150;
const STEPS = 3;

/**
 * The chapter's fast feature extraction: VGG16's conv base (random weights: the speed is the
 * same) at 150x150, batches of 20, features [20, 4, 4, 512] copied out per batch, on wasm in
 * node against PyTorch CPU with 2 threads (the conv stack built with torch.nn), same run.
 */
export const vgg16Features: Benchmark = {
  name: 'vgg16-features',
  description: `VGG16 conv base, ${SIZE}x${SIZE}, batch ${BATCH}: feature extraction images/s`,
  async run() {
    const measurements: Measurement[] = [];
    const notes: string[] = [];
    await initBackend('wasm');
    let peakRss = process.memoryUsage().rss;
    const sample = () => {
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    };
    const timer = setInterval(sample, 20);
    const convBase = buildVgg16({ includeTop: false, inputShape: [SIZE, SIZE, 3] });
    const x = tf.randomUniform([BATCH, SIZE, SIZE, 3], -120, 150, 'float32', 1);
    // An endless batch source, as flowFromDirectory's; extractFeatures disposes what it yields.
    const source = {
      length: STEPS,
      async *[Symbol.asyncIterator]() {
        for (;;) yield [tf.clone(x), tf.zeros([BATCH])] as [tf.Tensor, tf.Tensor];
      },
    };
    const warm = await extractFeatures(convBase, source, { samples: BATCH });
    tf.dispose([warm.features, warm.labels!]);
    sample();
    const start = performance.now();
    const { features, labels } = await extractFeatures(convBase, source, {
      samples: BATCH * STEPS,
      onBatch: sample,
    });
    const seconds = (performance.now() - start) / 1000;
    sample();
    clearInterval(timer);
    if (features.shape.join() !== [BATCH * STEPS, 4, 4, 512].join())
      throw new Error(`unexpected features ${features.shape}`);
    tf.dispose([features, labels!, x]);
    disposeModel(convBase);
    const maxRss = process.resourceUsage().maxRSS * 1024;
    measurements.push({
      label: 'convkit wasm',
      perSecond: (BATCH * STEPS) / seconds,
      unit: 'images/s',
      note: `peak rss ${mb(peakRss)} (sampled between kernels; process max ${mb(maxRss)})`,
    });

    const why = torchUnavailable();
    if (why) notes.push(`PyTorch skipped: ${why}`);
    else {
      const r = runTorch<{ perSecond: number; maxRssKb: number }>(`
import resource
cfg = [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 'M', 512, 512, 512, 'M', 512, 512, 512, 'M']
layers, cin = [], 3
for v in cfg:
    if v == 'M':
        layers.append(torch.nn.MaxPool2d(2, 2))
    else:
        layers += [torch.nn.Conv2d(cin, v, 3, padding=1), torch.nn.ReLU(inplace=True)]
        cin = v
features = torch.nn.Sequential(*layers).eval()
x = torch.rand(${BATCH}, 3, ${SIZE}, ${SIZE}) * 270 - 120
with torch.no_grad():
    out = features(x).numpy().copy()
    assert out.shape == (${BATCH}, 512, 4, 4), out.shape
    start = time.time()
    for _ in range(${STEPS}):
        out = features(x).numpy().copy()
    per = ${BATCH * STEPS} / (time.time() - start)
print(json.dumps({"perSecond": per, "maxRssKb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))`);
      measurements.push({
        label: 'PyTorch CPU (2 threads)',
        perSecond: r.perSecond,
        unit: 'images/s',
        note: `peak rss ${mb(r.maxRssKb * 1024)}`,
      });
    }
    const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
    const threads = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
    notes.push(
      `wasm SIMD: ${simd ? 'yes' : 'no'}, threads: ${threads ? 'yes' : 'no'}; ${STEPS} timed batches after 1 warm-up batch`,
    );
    return {
      measurements,
      ratios: [{ of: 'convkit wasm', over: 'PyTorch CPU (2 threads)', goal: 0.25 }],
      notes,
    };
  },
};

function mb(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(0)} MiB`;
}
