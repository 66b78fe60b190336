import * as tf from '@tensorflow/tfjs-core';
import { convAlgorithms } from '../wasm-kernels/algorithms';

/** The part of tfjs-backend-webgl's MathBackendWebGL that convkit's kernels use. */
export interface WebglBackendLike {
  runWebGLProgram(
    program: object,
    inputs: tf.TensorInfo[],
    dtype: tf.DataType,
    customUniformValues?: number[][],
  ): tf.TensorInfo;
}

/** A float uniform a GLSL program declares, with its value. */
export interface FloatUniform {
  name: string;
  value: number;
}

/**
 * Runs GLSL `userCode` (a `void main()` that reads `getOutputCoords()` and calls `setOutput`)
 * once per output element, in one draw: a program in tfjs-backend-webgl's GPGPUProgram form.
 * Inputs are read through the accessors tfjs generates for `variableNames` (`getX(row, col)`).
 * Shapes are baked into the code; uniforms are not, so a new value reuses the compiled shader.
 */
export function runFragments(
  backend: unknown,
  spec: {
    inputs: tf.TensorInfo[];
    variableNames: string[];
    outputShape: number[];
    uniforms?: FloatUniform[];
    /**
     * Read inputs as packed textures: `getX(...)` returns the vec4 of the 2x2 block (over the
     * last two axes) that holds the element; tfjs packs inputs that are not.
     */
    packedInputs?: boolean;
    /** Write a packed texture: `getOutputCoords()` is a block's first element, `setOutput` takes its vec4. */
    packedOutput?: boolean;
    userCode: string;
  },
): tf.TensorInfo {
  const { inputs, variableNames, outputShape, uniforms = [], userCode } = spec;
  const program = {
    variableNames,
    outputShape,
    packedInputs: spec.packedInputs ?? false,
    packedOutput: spec.packedOutput ?? false,
    customUniforms: uniforms.map((u) => ({ name: u.name, type: 'float' })),
    userCode,
  };
  return (backend as WebglBackendLike).runWebGLProgram(
    program,
    inputs,
    'float32',
    uniforms.map((u) => [u.value]),
  );
}

/**
 * GLSL helpers for programs with packed inputs: `lanes(texel, i)` is the pair of values a texel
 * holds in row i of its 2x2 block (x, y for an even i; z, w for an odd one), and `negInf()` is
 * -infinity (a max's starting value that every number, -infinity aside, exceeds).
 */
export const PACKED_HELPERS_GLSL = `
  vec2 lanes(vec4 texel, int row) { return (row & 1) == 0 ? texel.xy : texel.zw; }
  float negInf() { return uintBitsToFloat(0xff800000u); }
`;

/**
 * Whether convkit's WebGL programs replace tfjs-backend-webgl's kernels now (else tfjs's run):
 * `setConvAlgorithms({ webgl })` is 'convkit' (the default); the context is WebGL 2, whose GLSL
 * they use (integer % and &, loops with bounds known only at run time); and tfjs packs textures
 * (WEBGL_PACK, the default), as most of them read and write packed ones.
 */
export function convkitWebglKernelsActive(): boolean {
  return (
    convAlgorithms().webgl === 'convkit' &&
    tf.env().getNumber('WEBGL_VERSION') !== 1 &&
    tf.env().getBool('WEBGL_PACK')
  );
}

/** Frees a texture a kernel made for its own use (tfjs-backend-webgl's MathBackendWebGL). */
export function disposeIntermediate(backend: unknown, info: tf.TensorInfo): void {
  (backend as { disposeIntermediateTensorInfo(t: tf.TensorInfo): void }).disposeIntermediateTensorInfo(info);
}

/** Whether `info`'s texture on tfjs-backend-webgl holds packed 2x2 blocks (as its packed programs write). */
export function isPackedTexture(backend: unknown, info: tf.TensorInfo): boolean {
  const texData = (backend as { texData: { get(id: object): { isPacked?: boolean } | undefined } }).texData;
  return texData.get(info.dataId)?.isPacked === true;
}
