import type { ExprNode, Term } from './expr';

const binarySymbols = { add: '+', sub: '-', mul: '*', div: '/' } as const;

/** A formula output as WGSL: the statements of a function of x0, x1, ... and its uniforms. */
export interface WgslFormula {
  /**
   * `let` statements ending in a `return`, over parameters x0, x1, ... and `uniforms.sK`, of
   * the type `Ew` (an alias the kernel declares: f32 or vec4<f32>).
   */
  body: string;
  /** The value of each uniform sK, in order. */
  scalars: number[];
}

/**
 * Writes one formula output as WGSL statements. Each shared node is computed once (a `let`);
 * numbers become f32 uniforms, so that a new learning rate reuses the compiled shader.
 */
export function toWgsl(output: ExprNode): WgslFormula {
  const lines: string[] = [];
  const names = new Map<Term, string>();
  const scalars: number[] = [];
  const name = (term: Term): string => {
    if (typeof term === 'number') {
      let k = scalars.indexOf(term);
      if (k < 0 || Number.isNaN(term)) k = scalars.push(term) - 1;
      return `uniforms.s${k}`;
    }
    const known = names.get(term);
    if (known) return known;
    let expression: string;
    if (term.kind === 'input') {
      names.set(term, `x${term.index}`);
      return `x${term.index}`;
    }
    if (term.kind === 'unary') {
      const a = name(term.a);
      expression = {
        sqrt: `sqrt(${a})`,
        square: `${a} * ${a}`,
        step: `select(Ew(0.0), Ew(1.0), ${a} > Ew(0.0))`,
      }[term.op];
    } else {
      expression = `${name(term.a)} ${binarySymbols[term.op]} ${name(term.b)}`;
    }
    const t = `t${names.size}`;
    lines.push(`let ${t} = ${expression};`);
    names.set(term, t);
    return t;
  };
  lines.push(`return ${name(output)};`);
  return { body: lines.join('\n'), scalars };
}
