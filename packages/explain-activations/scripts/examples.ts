// Renders the chapter's activation grids (the cat through a small convnet's conv/pool layers)
// and a filter-pattern grid into a folder, to look at. Random weights: the point is the layout,
// normalisation and colouring, not what a trained network sees.
//   pnpm --filter @convkit/explain-activations examples [out-dir]
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readImage, writePng } from '@convkit/image-io/node';
import { conv2d, dense, dropout, flatten, maxPooling2d, sequential } from '@convkit/layers';
import { initBackend } from '@convkit/tensor';
import { activationGrid, activations, filterGrid } from '../src/index';

const out = process.argv[2] ?? join(tmpdir(), 'convkit-explain-examples');
mkdirSync(out, { recursive: true });
await initBackend(process.env.CONVKIT_BACKEND === 'cpu' ? 'cpu' : 'wasm');

// The chapter's cats-vs-dogs convnet (Listing 5.5 shapes), seeded random weights.
const model = sequential(
  [
    conv2d({ filters: 32, kernelSize: 3, activation: 'relu', inputShape: [150, 150, 3], seed: 1 }),
    maxPooling2d({ poolSize: 2 }),
    conv2d({ filters: 64, kernelSize: 3, activation: 'relu', seed: 2 }),
    maxPooling2d({ poolSize: 2 }),
    conv2d({ filters: 128, kernelSize: 3, activation: 'relu', seed: 3 }),
    maxPooling2d({ poolSize: 2 }),
    conv2d({ filters: 128, kernelSize: 3, activation: 'relu', seed: 4 }),
    maxPooling2d({ poolSize: 2 }),
    flatten(),
    dropout({ rate: 0.5 }),
    dense({ units: 512, activation: 'relu', seed: 5 }),
    dense({ units: 1, activation: 'sigmoid', seed: 6 }),
  ],
  { name: 'cats_and_dogs_small_2' },
);
const cat = await readImage('/usr/lib/python3/dist-packages/skimage/data/chelsea.png', {
  targetSize: [150, 150],
});
await writePng(join(out, 'cat-150.png'), cat);
for (const act of await activations(model, cat)) {
  const grid = activationGrid(act);
  const file = join(out, `activations-${act.layerName}.png`);
  await writePng(file, grid.pixels);
  console.log(`${file}: ${grid.columns}x${grid.rows} tiles of ${grid.tileWidth}x${grid.tileHeight}`);
}

// Filter patterns need a model that takes any size, like the chapter's VGG16(include_top=False).
const base = sequential(
  [
    conv2d({
      filters: 64,
      kernelSize: 3,
      activation: 'relu',
      padding: 'same',
      inputShape: [null, null, 3],
      name: 'block1_conv1',
      seed: 7,
    }),
    conv2d({
      filters: 16,
      kernelSize: 3,
      activation: 'relu',
      padding: 'same',
      name: 'block1_conv2',
      seed: 8,
    }),
    maxPooling2d({ poolSize: 2, name: 'block1_pool' }),
    conv2d({
      filters: 16,
      kernelSize: 3,
      activation: 'relu',
      padding: 'same',
      name: 'block2_conv1',
      seed: 9,
    }),
  ],
  { name: 'vgg_like_base' },
);
for (const layer of ['block1_conv1', 'block2_conv1']) {
  const start = performance.now();
  const grid = await filterGrid(base, layer, { size: 48, steps: 40, seed: 1 });
  const file = join(out, `filters-${layer}.png`);
  await writePng(file, grid.pixels);
  console.log(
    `${file}: ${grid.side}x${grid.side} patterns in ${((performance.now() - start) / 1000).toFixed(1)} s`,
  );
}
console.log(`Examples in ${out}`);
// The threaded wasm backend keeps worker threads alive; end the process explicitly.
process.exit(0);
