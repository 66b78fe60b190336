import type * as tf from '@tensorflow/tfjs-core';

/** The part of tfjs-backend-webgpu's WebGPUBackend that convkit's kernels use. */
export interface WebgpuBackendLike {
  runWebGPUProgram(
    program: object,
    inputs: tf.TensorInfo[],
    dtype: tf.DataType,
    uniforms?: { type: 'float32' | 'int32'; data: number[] }[],
  ): tf.TensorInfo;
  disposeData(dataId: tf.DataId): boolean;
}

/** Threads per workgroup of convkit's WebGPU programs. */
export const WORKGROUP = 64;

/** The most workgroups along one dimension of a dispatch (WebGPU's default limit). */
export const MAX_WORKGROUPS_PER_DIMENSION = 65535;

/** A uniform a program declares, with its value. */
export interface Uniform {
  name: string;
  type: 'f32' | 'i32';
  value: number;
}

/** i32 uniforms named by `values`' keys, in their order. */
export function intUniforms(values: Record<string, number>): Uniform[] {
  return Object.entries(values).map(([name, value]) => ({ name, type: 'i32', value }));
}

/**
 * Runs a WGSL `main(index : i32)` on one thread per index in [0, threads): a program in
 * tfjs-backend-webgpu's WebGPUProgram form, whose inputs are bound under `variableNames` and
 * whose output is `result`. `key` names the shader (with the uniforms' names, not values).
 */
export function runThreads(
  backend: unknown,
  spec: ProgramSpec & {
    threads: number;
    /** Elements per input and output item (4: bound as vec4<f32>); default 1. */
    components?: 1 | 4;
  },
): tf.TensorInfo {
  const { threads, ...rest } = spec;
  // Past 65,535 workgroups (WebGPU's limit per dimension) the grid gets rows; tfjs's
  // getGlobalIndex numbers threads across them, and main returns past the last index.
  const workgroups = Math.ceil(threads / WORKGROUP);
  const rows = Math.ceil(workgroups / MAX_WORKGROUPS_PER_DIMENSION);
  return runWorkgroups(backend, { ...rest, workgroups: [Math.ceil(workgroups / rows), rows, 1] });
}

/** What every convkit WebGPU program declares. */
interface ProgramSpec {
  key: string;
  inputs: tf.TensorInfo[];
  variableNames: string[];
  outputShape: number[];
  uniforms: Uniform[];
  main: string;
}

/**
 * Runs a WGSL `main(index : i32)` on a grid of `workgroups` (x, y, z), each of `workgroupSize`
 * threads (default WORKGROUP): for programs that share work within a workgroup, through
 * tfjs's `workgroupId` and `localIndex` and `var<workgroup>` arrays declared in `main`. `index`
 * is then meaningless. Otherwise as runThreads.
 */
export function runWorkgroups(
  backend: unknown,
  spec: ProgramSpec & {
    workgroups: [number, number, number];
    workgroupSize?: number;
    /** Elements per output item, and per input item unless variableComponents says otherwise. */
    components?: 1 | 4;
    variableComponents?: (1 | 4)[];
  },
): tf.TensorInfo {
  const { key, inputs, variableNames, outputShape, uniforms, main, components = 1 } = spec;
  const program = {
    variableNames,
    outputShape,
    outputComponent: components,
    variableComponents: spec.variableComponents ?? variableNames.map(() => components),
    dispatchLayout: { x: outputShape.map((_, i) => i) },
    dispatch: spec.workgroups,
    workgroupSize: [spec.workgroupSize ?? WORKGROUP, 1, 1],
    uniforms: uniforms.map((u) => `${u.name} : ${u.type},`).join(' ') || undefined,
    shaderKey: `convkit_${key}`,
    getUserCode: () => main,
  };
  return (backend as WebgpuBackendLike).runWebGPUProgram(
    program,
    inputs,
    'float32',
    uniforms.map((u) => ({ type: u.type === 'f32' ? 'float32' : 'int32', data: [u.value] })),
  );
}
