/** A tensor shape as Keras writes it: `null` for a dimension that is not fixed (the batch). */
export type Shape = (number | null)[];

/** Formats a shape the way Keras prints it: `(None, 26, 26, 32)`. */
export function formatShape(shape: readonly (number | null)[]): string {
  const dims = shape.map((d) => (d === null ? 'None' : String(d)));
  return dims.length === 1 ? `(${dims[0]},)` : `(${dims.join(', ')})`;
}

/** The number of elements of a shape with no `null` dimension. */
export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** True when `actual` fits `expected` (same rank; every fixed dimension of `expected` equal). */
export function shapeMatches(expected: Shape, actual: readonly number[]): boolean {
  if (expected.length !== actual.length) return false;
  return expected.every((d, i) => d === null || d === actual[i]);
}

/** `[null, ...dims]`: a per-sample shape with the batch dimension added. */
export function withBatch(dims: readonly (number | null)[]): Shape {
  return [null, ...dims];
}

/** Normalises an int-or-pair argument (kernelSize: 3 or [3, 3]) to a pair, naming it in errors. */
export function toPair(value: number | readonly number[], what: string): [number, number] {
  const pair = typeof value === 'number' ? [value, value] : [...value];
  if (pair.length !== 2 || pair.some((v) => !Number.isInteger(v) || v <= 0)) {
    throw new Error(`${what} must be a positive integer or a pair of them; found ${JSON.stringify(value)}.`);
  }
  return pair as [number, number];
}
