import * as tf from '@tensorflow/tfjs-core';
import { ConvkitUsageError } from '../errors';
import { setConvAlgorithms } from '../wasm-kernels/algorithms';
import {
  type Conv2dSignature,
  type ConvTileName,
  recordConv2dCalls,
  rememberConv2dChoice,
  type WebgpuConvChoice,
} from './conv2d-choice';
import { exactConv2d, type WebgpuConvAlgorithm } from './conv2d-webgpu';
import { secondsPerGpuCall } from './gpu-timing';
import { CONV_TILES } from './implicit-gemm-webgpu';
import { winogradApplies } from './winograd-webgpu';

type Shape4D = [number, number, number, number];

/** One candidate's time for a conv2d call. */
export interface Conv2dTiming extends WebgpuConvChoice {
  /** Milliseconds per call on this GPU (the fastest round). */
  msPerCall: number;
}

/** What tuneWebgpuConv2d measured for one conv2d call, and chose. */
export interface Conv2dTuning {
  /** The call, as a line: input and filter shapes, strides, padding. */
  call: string;
  /** The call's shapes and attributes (with `choice`, what useConv2dTunings takes back). */
  signature: Conv2dSignature;
  /** Every candidate's time, fastest first. */
  timings: Conv2dTiming[];
  /** The fastest: conv2d runs it for calls of these shapes from now on (webgpuForward 'auto'). */
  choice: WebgpuConvChoice;
}

/** How long and over what tuneWebgpuConv2d times. */
export interface TuneConv2dOptions {
  /** Seconds each candidate is timed for per call, over all rounds (default 0.1). */
  secondsPerCandidate?: number;
  /** Rounds, each timing every candidate in turn; a candidate keeps its fastest (default 2). */
  rounds?: number;
  /** convkit's tiles to try with each of its algorithms (default every one of CONV_TILES). */
  tiles?: ConvTileName[];
}

/**
 * Times every way convkit can run each conv2d that `run` makes on webgpu (tfjs's kernel;
 * convkit's implicit GEMM and, for 3x3 stride-1 convs, Winograd F(2x2) and F(4x4), each with
 * each tile) on this GPU, with random inputs of the same shapes, and makes the fastest the one
 * conv2d runs for those shapes from now on (under webgpuForward 'auto', the default). As
 * PyTorch's `cudnn.benchmark`, but once and explicitly: call it with one forward pass at the
 * batch size that will be used, e.g. `await tuneWebgpuConv2d(() => model.predict(batch))`.
 * `run` must be synchronous; what it returns is freed.
 */
export async function tuneWebgpuConv2d(
  run: () => tf.TensorContainer,
  options: TuneConv2dOptions = {},
): Promise<Conv2dTuning[]> {
  if (tf.getBackend() !== 'webgpu') {
    throw new ConvkitUsageError(
      `tuneWebgpuConv2d times conv2d kernels on webgpu, but the active backend is ${tf.getBackend()}: call initBackend('webgpu') first.`,
    );
  }
  const {
    secondsPerCandidate = 0.1,
    rounds = 2,
    tiles = Object.keys(CONV_TILES) as ConvTileName[],
  } = options;
  const calls = recordConv2dCalls(() => tf.dispose(tf.tidy(run)));
  const tunings: Conv2dTuning[] = [];
  // tfjs's candidate runs through the registered kernel: make it tfjs's while timing.
  const previous = setConvAlgorithms({ webgpuForward: 'tfjs' });
  try {
    for (const call of calls) {
      const timings = await timeCandidates(call, tiles, rounds, secondsPerCandidate / rounds);
      const { algorithm, tile } = timings[0];
      const choice = tile ? { algorithm, tile } : { algorithm };
      rememberConv2dChoice(call, choice);
      tunings.push({ call: describeCall(call), signature: call, timings, choice });
    }
  } finally {
    setConvAlgorithms(previous);
  }
  return tunings;
}

/** Every candidate's best time over `rounds` rounds for `call`, fastest first. */
async function timeCandidates(
  call: Conv2dSignature,
  tiles: ConvTileName[],
  rounds: number,
  seconds: number,
): Promise<Conv2dTiming[]> {
  const x = tf.randomNormal<tf.Rank.R4>(call.x as Shape4D, 0, 1, 'float32', 1);
  const filter = tf.randomNormal<tf.Rank.R4>(call.filter as Shape4D, 0, 0.1, 'float32', 2);
  const bias = call.bias ? (tf.zeros([call.filter[3]]) as tf.Tensor1D) : undefined;
  const args = { ...call, x, filter, bias };
  try {
    const runs = new Map<WebgpuConvChoice, () => tf.Tensor>();
    runs.set({ algorithm: 'tfjs' }, () =>
      tf.fused.conv2d({ ...args, activation: args.activation as tf.fused.Activation }),
    );
    for (const choice of convkitCandidates(call, tiles)) {
      const once = () => exactConv2d(args, choice.algorithm, CONV_TILES[choice.tile]);
      const trial = once();
      if (!trial) continue; // too large for one dispatch, or a binding, on this GPU
      trial.dispose();
      runs.set(choice, () => once()!);
    }
    const best = new Map<WebgpuConvChoice, number>();
    for (let round = 0; round < rounds; round++) {
      for (const [choice, runChoice] of runs) {
        const ms = 1000 * (await secondsPerGpuCall(runChoice, seconds));
        best.set(choice, Math.min(ms, best.get(choice) ?? Number.POSITIVE_INFINITY));
      }
    }
    return [...best]
      .map(([choice, msPerCall]) => ({ ...choice, msPerCall }))
      .sort((a, b) => a.msPerCall - b.msPerCall);
  } finally {
    tf.dispose([x, filter, bias ?? []]);
  }
}

/** convkit's algorithms and tiles that apply to `call`: the GEMM, and Winograd for 3x3 stride-1 convs. */
function convkitCandidates(
  call: Conv2dSignature,
  tiles: ConvTileName[],
): { algorithm: WebgpuConvAlgorithm; tile: ConvTileName }[] {
  const info = tf.backend_util.computeConv2DInfo(
    call.x as Shape4D,
    call.filter as Shape4D,
    call.strides,
    1,
    call.pad,
    call.dimRoundingMode,
  );
  if (info.outChannels % 4 !== 0) return [];
  const algorithms = winogradApplies(info)
    ? (['gemm', 'winograd2x2', 'winograd4x4'] as const)
    : (['gemm'] as const);
  return algorithms.flatMap((algorithm) => tiles.map((tile) => ({ algorithm, tile })));
}

/** A call as one line: "x 20x150x150x3, filter 3x3x3x64, strides 1x1, pad same". */
function describeCall(call: Conv2dSignature): string {
  return `x ${call.x.join('x')}, filter ${call.filter.join('x')}, strides ${call.strides.join('x')}, pad ${JSON.stringify(call.pad)}`;
}

/** The algorithms a choice may name. */
const CHOICE_ALGORITHMS: readonly string[] = ['tfjs', 'gemm', 'winograd2x2', 'winograd4x4'];

/** What is wrong with a saved tuning entry, or undefined where nothing is. */
function tuningProblem({ signature, choice }: Partial<Pick<Conv2dTuning, 'signature' | 'choice'>>) {
  const fourSizes = (v: unknown) =>
    Array.isArray(v) && v.length === 4 && v.every((n) => Number.isInteger(n) && n > 0);
  if (!signature || !fourSizes(signature.x) || !fourSizes(signature.filter)) {
    return 'needs a signature with x and filter shapes of four positive integers';
  }
  if (!Array.isArray(signature.strides) || signature.strides.length !== 2) {
    return 'needs signature.strides as [height, width]';
  }
  if (!choice || !CHOICE_ALGORITHMS.includes(choice.algorithm)) {
    return `needs a choice whose algorithm is one of ${CHOICE_ALGORITHMS.join(', ')}`;
  }
  if (choice.tile !== undefined && !(choice.tile in CONV_TILES)) {
    return `names tile '${choice.tile}', not one of ${Object.keys(CONV_TILES).join(', ')}`;
  }
  return undefined;
}

/**
 * Makes choices saved from an earlier tuneWebgpuConv2d (on the same GPU and driver: its
 * `signature` and `choice` fields, e.g. through JSON) the ones conv2d runs, without timing
 * again; throws, naming the entry, where one is not such a choice (and then uses none).
 */
export function useConv2dTunings(tunings: Pick<Conv2dTuning, 'signature' | 'choice'>[]): void {
  tunings.forEach((entry, i) => {
    const problem = tuningProblem(entry);
    if (problem) {
      throw new ConvkitUsageError(
        `useConv2dTunings: entry ${i} ${problem}; pass what tuneWebgpuConv2d returned (its signature and choice).`,
      );
    }
  });
  for (const { signature, choice } of tunings) rememberConv2dChoice(signature, choice);
}
