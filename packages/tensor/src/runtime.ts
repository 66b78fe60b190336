/** True when running under Node.js (not a browser or a worker in one). */
export const isNode: boolean =
  typeof process !== 'undefined' && typeof process.versions === 'object' && !!process.versions.node;

/**
 * Imports an optional package by a name bundlers do not follow, so that browser builds never
 * try to include node-only packages. Resolves to undefined when the package is not installed.
 */
export async function importOptional<T = any>(specifier: string): Promise<T | undefined> {
  try {
    return (await import(/* @vite-ignore */ specifier)) as T;
  } catch (error) {
    if (isModuleNotFound(error, specifier)) return undefined;
    throw error;
  }
}

/** Node says ERR_MODULE_NOT_FOUND; bundlers and vite-node say "Could not resolve" / "Failed to resolve". */
function isModuleNotFound(error: unknown, specifier: string): boolean {
  const e = error as { code?: string; message?: string };
  const message = typeof e?.message === 'string' ? e.message : '';
  if (!message.includes(specifier)) return false;
  return (
    e.code === 'ERR_MODULE_NOT_FOUND' ||
    e.code === 'MODULE_NOT_FOUND' ||
    /Cannot find (package|module)|Could not resolve|Failed to resolve/.test(message)
  );
}
