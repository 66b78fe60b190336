import type * as tf from '@tensorflow/tfjs-core';

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
    /** Read and write packed textures (vec4s of 2x2 blocks; tfjs converts inputs as needed). */
    packed?: boolean;
    userCode: string;
  },
): tf.TensorInfo {
  const { inputs, variableNames, outputShape, uniforms = [], packed = false, userCode } = spec;
  const program = {
    variableNames,
    outputShape,
    packedInputs: packed,
    packedOutput: packed,
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
