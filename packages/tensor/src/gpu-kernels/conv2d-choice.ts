import type * as tf from '@tensorflow/tfjs-core';
import type { WebgpuConvAlgorithm } from './conv2d-webgpu';
import type { CONV_TILES } from './implicit-gemm-webgpu';

/** A tile of CONV_TILES, by name. */
export type ConvTileName = keyof typeof CONV_TILES;

/** What a conv2d runs on webgpu: tfjs's kernel, or one of convkit's algorithms (with a tile, or the one it picks). */
export interface WebgpuConvChoice {
  algorithm: 'tfjs' | WebgpuConvAlgorithm;
  tile?: ConvTileName;
}

/** A Conv2D or FusedConv2D call (NHWC, undilated) as tuning sees it: shapes and attributes, no values. */
export interface Conv2dSignature {
  x: number[];
  filter: number[];
  strides: [number, number];
  pad: tf.Conv2DAttrs['pad'];
  dimRoundingMode?: tf.Conv2DAttrs['dimRoundingMode'];
  bias: boolean;
  activation: string;
  leakyreluAlpha?: number;
}

/** The choices tuneWebgpuConv2d measured, by conv2dKey. */
const tuned = new Map<string, WebgpuConvChoice>();

/** The calls seen while recordConv2dCalls runs, by conv2dKey. */
let recorded: Map<string, Conv2dSignature> | undefined;

/** What tells two calls apart for tuning: shapes, strides and padding (bias and activation cost the same in every kernel). */
function conv2dKey(s: Conv2dSignature): string {
  return JSON.stringify([s.x, s.filter, s.strides, s.pad, s.dimRoundingMode ?? null]);
}

/** The choice tuning made for calls like `s`, or undefined where none; records `s` while recordConv2dCalls runs. */
export function tunedConv2dChoice(s: Conv2dSignature): WebgpuConvChoice | undefined {
  // Nothing tuned and nothing recording (the usual case): no key to build on each conv call.
  if (!recorded && tuned.size === 0) return undefined;
  const key = conv2dKey(s);
  if (recorded && !recorded.has(key)) recorded.set(key, s);
  return tuned.get(key);
}

/** Runs `run` and returns the distinct conv2d calls it made on webgpu, in the order first seen. */
export function recordConv2dCalls(run: () => void): Conv2dSignature[] {
  const calls = new Map<string, Conv2dSignature>();
  recorded = calls;
  try {
    run();
  } finally {
    recorded = undefined;
  }
  return [...calls.values()];
}

/** Makes `choice` the one conv2d runs for calls like `s` under webgpuForward 'auto'. */
export function rememberConv2dChoice(s: Conv2dSignature, choice: WebgpuConvChoice): void {
  tuned.set(conv2dKey(s), choice);
}

/** Forgets every choice tuneWebgpuConv2d made: conv2d on webgpu runs tfjs's kernel again under 'auto'. */
export function clearConv2dTuning(): void {
  tuned.clear();
}
