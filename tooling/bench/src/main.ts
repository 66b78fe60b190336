import { augmentThroughput } from './benchmarks/augment-throughput';
import { augmentedFit } from './benchmarks/augmented-fit';
import { conv2dForward } from './benchmarks/conv2d-forward';
import { dataSplit } from './benchmarks/data-split';
import { explain } from './benchmarks/explain';
import { fashionMnistAccuracy, mnistConvnetFit } from './benchmarks/mnist-convnet-fit';
import { vgg16Features } from './benchmarks/vgg16-features';
import { wasmConvGrads } from './benchmarks/wasm-conv-grads';
import { webglDraws } from './benchmarks/webgl-draws';
import { webgpuConvGrads } from './benchmarks/webgpu-conv-grads';
import { webgpuConv2d } from './benchmarks/webgpu-conv2d';
import { webgpuDispatches } from './benchmarks/webgpu-dispatches';
import { isChildRun } from './child-run';
import { type Benchmark, formatResult } from './harness';

/** Every benchmark `pnpm bench` knows, in the order it runs them. */
const BENCHMARKS: Benchmark[] = [
  conv2dForward,
  mnistConvnetFit,
  webgpuDispatches,
  webgpuConvGrads,
  webgpuConv2d,
  webglDraws,
  fashionMnistAccuracy,
  dataSplit,
  vgg16Features,
  augmentThroughput,
  augmentedFit,
  wasmConvGrads,
  explain,
];

/** Runs the benchmarks named on the command line (all but the long ones when none is named). */
async function main(): Promise<void> {
  const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  if (process.argv.includes('--list')) {
    for (const b of BENCHMARKS) {
      console.log(`${b.name.padEnd(28)} ${b.description}${b.onlyByName ? ' (runs only when named)' : ''}`);
    }
    return;
  }
  const unknown = wanted.filter((w) => !BENCHMARKS.some((b) => b.name === w));
  if (unknown.length) {
    console.error(
      `Unknown benchmark(s): ${unknown.join(', ')}. Known: ${BENCHMARKS.map((b) => b.name).join(', ')}.`,
    );
    process.exit(2);
  }
  console.log(
    `convkit bench on node ${process.version}, ${process.platform}-${process.arch}; ratios are from this one run.`,
  );
  for (const bench of BENCHMARKS.filter((b) =>
    wanted.length === 0 ? !b.onlyByName : wanted.includes(b.name),
  )) {
    try {
      console.log(formatResult(`${bench.name}: ${bench.description}`, await bench.run()));
    } catch (e) {
      // One failing benchmark leaves the others' figures (a GPU run may not come again soon).
      console.log(`== ${bench.name}: FAILED: ${(e as Error).stack ?? e}`);
      process.exitCode = 1;
    }
  }
}

// In a bundle every module shares this process: a child run (see child-run.ts) is not a bench run.
if (!isChildRun()) await main();
