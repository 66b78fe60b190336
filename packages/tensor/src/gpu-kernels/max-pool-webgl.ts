import * as tf from '@tensorflow/tfjs-core';
import {
  convkitWebglKernelsActive,
  isPackedTexture,
  PACKED_HELPERS_GLSL,
  runFragments,
} from './webgl-program';

/** The pooling geometry of a MaxPool or MaxPoolGrad call on `input`, as tfjs computes it. */
function poolInfo(input: tf.TensorInfo, attrs: tf.MaxPoolAttrs): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    attrs.filterSize,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
}

/**
 * GLSL main() of a program writing 2x2 blocks over (column, channel) of an NHWC output: `pairAt`
 * (a GLSL function of n, row, column and channel giving channels d and d + 1) at the block's two
 * columns, the second only where it is inside `width`.
 */
function mainOverColumnPairs(pairAt: string, width: number): string {
  return `
      void main() {
        ivec4 o = getOutputCoords();
        vec2 right = o.z + 1 < ${width} ? ${pairAt}(o.x, o.y, o.z + 1, o.w) : vec2(0.0);
        setOutput(vec4(${pairAt}(o.x, o.y, o.z, o.w), right));
      }`;
}

/** Whether convkit's packed max-pool programs run for this input (else tfjs's kernel does). */
function runsConvkit(input: tf.TensorInfo): boolean {
  return convkitWebglKernelsActive() && input.dtype === 'float32';
}

/**
 * MaxPool on webgl over packed textures, in one draw: each fragment writes a 2x2 block (two
 * output columns by two channels), reading the conv output as tfjs's packed convolutions write
 * it, and writing what the next packed convolution reads. A window's value is its largest
 * (values above -infinity only, as tfjs's cpu backend compares). tfjs-backend-webgl 4.22's pool
 * is unpacked: an unpack draw before it and a pack draw after. An unpacked input (images as
 * uploaded), WebGL 1, WEBGL_PACK off and `setConvAlgorithms({ webgl: 'tfjs' })` run `original`.
 */
export function maxPoolWebgl(original: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const x = args.inputs.x as tf.TensorInfo;
    if (!runsConvkit(x) || !isPackedTexture(args.backend, x)) return original(args);
    const info = poolInfo(x, args.attrs as unknown as tf.MaxPoolAttrs);
    return runFragments(args.backend, {
      inputs: [x],
      variableNames: ['X'],
      outputShape: info.outShape,
      packedInputs: true,
      packedOutput: true,
      userCode: `
      ${PACKED_HELPERS_GLSL}
      // The largest of the window at output (n, oh, ow), for channels d and d + 1.
      vec2 windowMax(int n, int oh, int ow, int d) {
        vec2 best = vec2(negInf());
        int r0 = oh * ${info.strideHeight} - ${info.padInfo.top};
        int c0 = ow * ${info.strideWidth} - ${info.padInfo.left};
        for (int r = max(r0, 0); r < min(r0 + ${info.filterHeight}, ${info.inHeight}); r++) {
          for (int c = max(c0, 0); c < min(c0 + ${info.filterWidth}, ${info.inWidth}); c++) {
            vec2 v = lanes(getX(n, r, c, d), c);
            best = mix(best, v, greaterThan(v, best));
          }
        }
        return best;
      }
      ${mainOverColumnPairs('windowMax', info.outWidth)}`,
    });
  };
}

/**
 * MaxPoolGrad on webgl over packed textures, in one draw: each fragment writes a 2x2 block of dx
 * (two input columns by two channels), and for each pooling window that holds an element finds
 * the window's first strict maximum (row-major, padding skipped, as tfjs's cpu backend does: a
 * window with no value above -infinity has none) and adds the window's dy where it is that
 * element. tfjs-backend-webgl 4.22 takes two unpacked draws (each window's argmax, then the
 * scatter of dy), and unpack and pack draws around them. WebGL 1, WEBGL_PACK off and
 * `setConvAlgorithms({ webgl: 'tfjs' })` run `original`.
 */
export function maxPoolGradWebgl(original: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { dy, input } = args.inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
    if (!runsConvkit(input)) return original(args);
    const info = poolInfo(input, args.attrs as unknown as tf.MaxPoolAttrs);
    const { strideHeight: sh, strideWidth: sw, filterHeight: fh, filterWidth: fw } = info;
    const { top, left } = info.padInfo;
    return runFragments(args.backend, {
      inputs: [input, dy],
      variableNames: ['X', 'Dy'],
      outputShape: input.shape,
      packedInputs: true,
      packedOutput: true,
      userCode: `
      ${PACKED_HELPERS_GLSL}
      // dx at input (n, r, c), for channels d and d + 1.
      vec2 dxAt(int n, int r, int c, int d) {
        vec2 dx = vec2(0.0);
        // Positions as floats (exact below 2^24): GLSL ES 3.00's mix has no integer form.
        float here = float(r * ${info.inWidth} + c);
        // The windows whose rows [oh * ${sh} - ${top}, + ${fh}) hold r, and likewise for columns.
        int ohLast = min(${info.outHeight} - 1, (r + ${top}) / ${sh});
        int owLast = min(${info.outWidth} - 1, (c + ${left}) / ${sw});
        for (int oh = max(0, r + ${top} - ${fh} + ${sh}) / ${sh}; oh <= ohLast; oh++) {
          for (int ow = max(0, c + ${left} - ${fw} + ${sw}) / ${sw}; ow <= owLast; ow++) {
            int r0 = oh * ${sh} - ${top};
            int c0 = ow * ${sw} - ${left};
            vec2 best = vec2(negInf());
            vec2 at = vec2(-1.0);
            for (int wr = max(r0, 0); wr < min(r0 + ${fh}, ${info.inHeight}); wr++) {
              for (int wc = max(c0, 0); wc < min(c0 + ${fw}, ${info.inWidth}); wc++) {
                vec2 v = lanes(getX(n, wr, wc, d), wc);
                bvec2 above = greaterThan(v, best);
                best = mix(best, v, above);
                at = mix(at, vec2(float(wr * ${info.inWidth} + wc)), above);
              }
            }
            vec2 g = lanes(getDy(n, oh, ow, d), ow);
            dx += mix(vec2(0.0), g, equal(at, vec2(here)));
          }
        }
        return dx;
      }
      ${mainOverColumnPairs('dxAt', info.inWidth)}`,
    });
  };
}
