/**
 * Keras's default layer names: the class name in snake_case, then `_1`, `_2`, ... for later
 * layers of the same class (conv2d, conv2d_1, max_pooling2d, ...). One counter per prefix.
 */
const counters = new Map<string, number>();

/** Keras's `to_snake_case`: 'MaxPooling2D' -> 'max_pooling2d', 'Conv2D' -> 'conv2d'. */
export function toSnakeCase(name: string): string {
  const intermediate = name.replace(/(.)([A-Z][a-z0-9]+)/g, '$1_$2');
  return intermediate.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
}

/** The next unique name for `prefix`: 'conv2d', then 'conv2d_1', 'conv2d_2', ... */
export function uniqueName(prefix: string): string {
  const n = counters.get(prefix) ?? 0;
  counters.set(prefix, n + 1);
  return n === 0 ? prefix : `${prefix}_${n}`;
}

/**
 * Resets the per-class name counters, so the next Conv2D is 'conv2d' again (like Keras's
 * `clear_session()`). Useful in tests that check names.
 */
export function resetLayerNames(): void {
  counters.clear();
}

/** Keras's one-based names, used for inputs: 'input_1', 'input_2', ... */
export function uniqueNameOneBased(prefix: string): string {
  const n = (counters.get(`${prefix}#1`) ?? 0) + 1;
  counters.set(`${prefix}#1`, n);
  return `${prefix}_${n}`;
}
