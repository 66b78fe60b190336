import { defineConfig } from 'tsup';

export default defineConfig({
  // The worker thread's script, loaded by URL next to the node entry: dist/augment-worker.js.
  entry: { index: 'src/index.ts', node: 'src/node.ts', 'augment-worker': 'src/node/augment-worker.ts' },
  format: ['esm'],
  dts: true,
  clean: true,
  target: 'es2022',
  sourcemap: true,
});
