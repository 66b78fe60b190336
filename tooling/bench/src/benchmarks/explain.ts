import { initBackend, wasmThreading } from '@convkit/tensor';
import * as tf from '@tensorflow/tfjs-core';
// Like vgg16-features, the bench runs these packages' sources through tsx (no package
// dependency); their @convkit/layers and @convkit/image-io imports need `pnpm build` first.
import { filterGrid } from '../../../../packages/explain-activations/src/index';
import { gradCam } from '../../../../packages/explain-gradcam/src/index';
import { buildVgg16 } from '../../../../packages/pretrained-vgg16/src/architecture';
import { disposeModel } from '../../../../packages/pretrained-vgg16/src/dispose';
import type { Benchmark, Measurement } from '../harness';
import { throughput } from '../harness';
import { runTorch, TORCH_VGG16_CONV_BASE, torchUnavailable } from '../torch';

const PATTERN_LAYER = 'block3_conv1';
const PATTERN_SIZE = 64;
const PATTERNS = 8;
const STEPS = 40;

/** Kernels gradient ascent and Grad-CAM need from the backend (input gradients through VGG16). */
const GRADIENT_KERNELS = ['Conv2DBackpropInput', 'MaxPoolGrad'];

/**
 * Section 5.4's two gradient views on VGG16 (random weights: the speed is the same): Grad-CAM
 * heatmaps of block5_conv3 for the top class at 224x224 (the elephant recipe), and filter
 * patterns of block3_conv1 at 64x64 (40 normalised gradient-ascent steps, 8 filters per batch,
 * deprocessed), on wasm in node against PyTorch CPU with as many threads doing the same, same run.
 */
export const explain: Benchmark = {
  name: 'explain',
  description: `VGG16 Grad-CAM heatmaps/s at 224x224, ${PATTERN_LAYER} filter patterns/s at ${PATTERN_SIZE}x${PATTERN_SIZE}`,
  async run() {
    const measurements: Measurement[] = [];
    const notes: string[] = [];
    await initBackend('wasm');
    const threads = wasmThreading()?.threads ?? 1;
    const [torchPatterns, torchHeatmaps] = [
      `PyTorch CPU patterns (${threads} threads)`,
      `PyTorch CPU heatmaps (${threads} threads)`,
    ];
    const missing = GRADIENT_KERNELS.filter((k) => !tf.getKernel(k, 'wasm'));
    if (missing.length) {
      notes.push(`convkit wasm skipped: the wasm backend has no ${missing.join(', ')} kernel (gradients)`);
    } else {
      const base = buildVgg16({ includeTop: false });
      const patterns = await throughput(
        () =>
          filterGrid(base, PATTERN_LAYER, {
            count: PATTERNS,
            batchSize: PATTERNS,
            size: PATTERN_SIZE,
            steps: STEPS,
            seed: 1,
          }),
        { itemsPerStep: PATTERNS, warmup: 1, minSteps: 1, minSeconds: 0 },
      );
      disposeModel(base);
      measurements.push({
        label: 'convkit wasm patterns',
        perSecond: patterns,
        unit: 'patterns/s',
        note: each(patterns),
      });

      const model = buildVgg16();
      const x = tf.randomUniform([1, 224, 224, 3], -120, 150, 'float32', 1);
      const heatmaps = await throughput(() => gradCam(model, x), {
        itemsPerStep: 1,
        warmup: 1,
        minSteps: 3,
        minSeconds: 2,
      });
      tf.dispose(x);
      disposeModel(model);
      measurements.push({
        label: 'convkit wasm heatmaps',
        perSecond: heatmaps,
        unit: 'heatmaps/s',
        note: each(heatmaps),
      });
      const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
      notes.push(`wasm SIMD: ${simd ? 'yes' : 'no'}, ${threads} thread(s)`);
    }

    const why = torchUnavailable();
    if (why) notes.push(`PyTorch skipped: ${why}`);
    else {
      const r = runTorch<{ heatmaps: number; patterns: number }>(TORCH_CODE, { threads });
      measurements.push(
        {
          label: torchPatterns,
          perSecond: r.patterns,
          unit: 'patterns/s',
          note: each(r.patterns),
        },
        {
          label: torchHeatmaps,
          perSecond: r.heatmaps,
          unit: 'heatmaps/s',
          note: each(r.heatmaps),
        },
      );
    }
    return {
      measurements,
      ratios: [
        { of: 'convkit wasm heatmaps', over: torchHeatmaps },
        { of: 'convkit wasm patterns', over: torchPatterns },
      ],
      notes,
    };
  },
};

/** The rate with more digits, and the time per item (these rates are well below 1/s). */
function each(perSecond: number): string {
  return `${perSecond.toPrecision(3)}/s, ${(1 / perSecond).toFixed(2)} s each`;
}

const TORCH_CODE = `
import numpy as np
F = torch.nn.functional
${TORCH_VGG16_CONV_BASE}top = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(25088, 4096), torch.nn.ReLU(),
                          torch.nn.Linear(4096, 4096), torch.nn.ReLU(), torch.nn.Linear(4096, 1000)).eval()
for p in list(features.parameters()) + list(top.parameters()):
    p.requires_grad_(False)
relus = [i for i, m in enumerate(features) if isinstance(m, torch.nn.ReLU)]

def rate(step, items, warmup=1, min_steps=3, min_seconds=2):
    for _ in range(warmup): step()
    steps, start = 0, time.time()
    while steps < min_steps or time.time() - start < min_seconds:
        step(); steps += 1
    return steps * items / (time.time() - start)

def deprocess(x):
    x = x - x.mean(); x = x / (x.std() + 1e-5); x = x * 0.1 + 0.5
    return (np.clip(x, 0, 1) * 255).astype('uint8')

upto = features[:relus[4] + 1]  # block3_conv1 and its ReLU
def patterns():
    x = torch.rand(${PATTERNS}, 3, ${PATTERN_SIZE}, ${PATTERN_SIZE}) * 20 + 128
    idx = torch.arange(${PATTERNS})
    for _ in range(${STEPS}):
        x.requires_grad_(True)
        out = upto(x)
        loss = out[idx, idx].mean((1, 2)).sum()
        g, = torch.autograd.grad(loss, x)
        g = g / (g.pow(2).mean((1, 2, 3), keepdim=True).sqrt() + 1e-5)
        x = (x + g).detach()
    return [deprocess(img) for img in x.permute(0, 2, 3, 1).numpy()]

head, rest = features[:relus[12] + 1], features[relus[12] + 1:]  # block5_conv3 | block5_pool
x224 = torch.rand(1, 3, 224, 224) * 270 - 120
def heatmap():
    with torch.no_grad():
        A = head(x224)
    A.requires_grad_(True)
    probs = torch.softmax(top(rest(A)), 1)
    c = probs.argmax(1)
    g, = torch.autograd.grad(probs[torch.arange(1), c].sum(), A)
    cam = torch.relu((A * g.mean((2, 3), keepdim=True)).mean(1))
    m = cam.amax((1, 2), keepdim=True)
    return torch.where(m > 0, cam / m, torch.zeros_like(cam)).detach().numpy()

print(json.dumps({"patterns": rate(patterns, ${PATTERNS}, 1, 1, 0), "heatmaps": rate(heatmap, 1)}))
`;
