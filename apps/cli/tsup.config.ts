import { defineConfig } from 'tsup';

export default defineConfig([
  {
    // The `convkit` binary.
    entry: { convkit: 'src/main.ts' },
    format: ['esm'],
    clean: ['convkit.*'],
    target: 'node20',
    platform: 'node',
    sourcemap: true,
    banner: { js: '#!/usr/bin/env node' },
  },
  {
    // `@convkit/cli/dataset`: the built-in data set, browser-safe (the web demo draws the same images).
    entry: { dataset: 'src/data/index.ts' },
    format: ['esm'],
    dts: true,
    clean: ['dataset.*'],
    target: 'es2022',
    platform: 'browser',
    sourcemap: true,
  },
]);
