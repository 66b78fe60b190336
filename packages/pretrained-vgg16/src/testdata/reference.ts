// Test helper (not exported): runs testdata/vgg16_reference.py with Debian's python3.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PYTHON = process.env.CONVKIT_TEST_PYTHON ?? '/usr/bin/python3';
const SCRIPT = join(fileURLToPath(new URL('.', import.meta.url)), 'vgg16_reference.py');

/** Why the Python reference cannot run here (h5py, numpy and torch are needed), or undefined. */
export function referenceUnavailable(): string | undefined {
  const r = spawnSync(PYTHON, ['-c', 'import h5py, numpy, torch'], { encoding: 'utf8' });
  if (r.error) return `${PYTHON} not found (Debian: apt-get install python3-h5py python3-torch)`;
  if (r.status !== 0) return `${PYTHON} lacks h5py/numpy/torch (apt-get install python3-h5py python3-torch)`;
  return undefined;
}

function run(args: string[]): void {
  const r = spawnSync(PYTHON, [SCRIPT, ...args], { encoding: 'utf8', timeout: 300_000 });
  if (r.status !== 0) throw new Error(`vgg16_reference.py ${args[0]} failed: ${r.stderr || r.error}`);
}

/** One weight as the writer recorded it. */
export interface WeightStats {
  layer: string;
  weight: 'kernel' | 'bias';
  shape: number[];
  sum: number;
  sumsq: number;
  first: number;
  last: number;
}

/** Writes a Keras-layout VGG16 weights file with random weights; returns what it wrote. */
export function writeVgg16H5(
  out: string,
  opts: {
    variant: 'top' | 'notop';
    input?: [number, number];
    classes?: number;
    seed?: number;
    style?: 'keras1' | 'tf2';
    rename?: Record<string, string>;
    drop?: string[];
  },
): WeightStats[] {
  const args = ['write', out, '--variant', opts.variant];
  if (opts.input) args.push('--input', String(opts.input[0]), String(opts.input[1]));
  if (opts.classes) args.push('--classes', String(opts.classes));
  if (opts.seed !== undefined) args.push('--seed', String(opts.seed));
  if (opts.style) args.push('--style', opts.style);
  for (const [a, b] of Object.entries(opts.rename ?? {})) args.push('--rename', `${a}=${b}`);
  for (const d of opts.drop ?? []) args.push('--drop', d);
  run(args);
  return JSON.parse(readFileSync(`${out}.json`, 'utf8')) as WeightStats[];
}

/**
 * PyTorch's output of the VGG16 in `weights` on NHWC `input` ([n, h, w, 3]); for a file
 * without the classifier also the global avg and max pooling of block5_pool's features.
 */
export function torchForward(
  weights: string,
  input: Float32Array,
  [n, h, w]: [number, number, number],
  dir: string,
): { none: Float32Array; avg?: Float32Array; max?: Float32Array } {
  const inPath = join(dir, 'input.f32');
  const outPath = join(dir, 'output.f32');
  writeFileSync(inPath, input);
  run(['forward', weights, inPath, String(n), String(h), String(w), outPath]);
  const read = (path: string) => {
    if (!existsSync(path)) return undefined;
    const b = readFileSync(path);
    rmSync(path);
    return new Float32Array(b.buffer, b.byteOffset, b.length / 4).slice();
  };
  return { avg: read(`${outPath}.avg`), max: read(`${outPath}.max`), none: read(outPath)! };
}
