import type { ExprNode, Term } from './expr';

const binarySymbols = { add: '+', sub: '-', mul: '*', div: '/' } as const;

/** How a shading language spells what a formula needs. */
export interface Dialect {
  /** A local constant: `let t0 = ...;` (WGSL), `float t0 = ...;` (GLSL). */
  declare(name: string, expression: string): string;
  /** The k-th number uniform. */
  uniform(k: number): string;
  /** 1 where a > 0, else 0 (tf.step). */
  step(a: string): string;
}

/** WGSL (WebGPU), over the type alias `Ew` (f32 or vec4<f32>) that the kernel declares. */
export const WGSL: Dialect = {
  declare: (name, expression) => `let ${name} = ${expression};`,
  uniform: (k) => `uniforms.s${k}`,
  step: (a) => `select(Ew(0.0), Ew(1.0), ${a} > Ew(0.0))`,
};

/** GLSL (WebGL), over floats: one element per fragment. */
export const GLSL: Dialect = {
  declare: (name, expression) => `float ${name} = ${expression};`,
  uniform: (k) => `s${k}`,
  step: (a) => `(${a} > 0.0 ? 1.0 : 0.0)`,
};

/**
 * GLSL (WebGL) over vec4s: the 2x2 blocks of tfjs-backend-webgl's packed textures, four
 * elements per fragment (float uniforms combine with vec4s component by component).
 */
export const GLSL_PACKED: Dialect = {
  declare: (name, expression) => `vec4 ${name} = ${expression};`,
  uniform: (k) => `s${k}`,
  step: (a) => `vec4(greaterThan(${a}, vec4(0.0)))`,
};

/** A formula output as shader code: the statements of a function of x0, x1, ... and its uniforms. */
export interface ShaderFormula {
  /** Constant declarations ending in a `return`, over parameters x0, x1, ... and the uniforms. */
  body: string;
  /** The value of each number uniform, in order. */
  scalars: number[];
}

/**
 * Writes one formula output as shader statements. Each shared node is computed once (a local
 * constant); numbers become float uniforms, so that a new learning rate reuses the compiled
 * shader.
 */
export function toShaderCode(output: ExprNode, dialect: Dialect): ShaderFormula {
  const lines: string[] = [];
  const names = new Map<Term, string>();
  const scalars: number[] = [];
  const name = (term: Term): string => {
    if (typeof term === 'number') {
      let k = scalars.indexOf(term);
      if (k < 0 || Number.isNaN(term)) k = scalars.push(term) - 1;
      return dialect.uniform(k);
    }
    const known = names.get(term);
    if (known) return known;
    if (term.kind === 'input') {
      names.set(term, `x${term.index}`);
      return `x${term.index}`;
    }
    let expression: string;
    if (term.kind === 'unary') {
      const a = name(term.a);
      expression = { sqrt: `sqrt(${a})`, square: `${a} * ${a}`, step: dialect.step(a) }[term.op];
    } else {
      expression = `${name(term.a)} ${binarySymbols[term.op]} ${name(term.b)}`;
    }
    const t = `t${names.size}`;
    lines.push(dialect.declare(t, expression));
    names.set(term, t);
    return t;
  };
  lines.push(`return ${name(output)};`);
  return { body: lines.join('\n'), scalars };
}
