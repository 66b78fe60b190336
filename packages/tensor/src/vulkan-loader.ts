import { importOptional } from './runtime';

/** The Vulkan loader Dawn (WebGPU in node) opens on Linux. */
export const VULKAN_LOADER = 'libvulkan.so.1';

/** Directories the dynamic linker searches by default (besides ld.so.cache). */
const DEFAULT_DIRS = ['/lib', '/usr/lib', '/lib64', '/usr/lib64'];

/** Where to look for the loader: the linker's cache and the directories it searches. */
export interface LinkerView {
  /** The contents of /etc/ld.so.cache, or undefined when unreadable. */
  cache: string | undefined;
  /** LD_LIBRARY_PATH's directories and the default ones. */
  dirs: string[];
  /** Whether a file exists. */
  exists(path: string): boolean;
}

/**
 * Whether the dynamic linker can find the Vulkan loader: named in ld.so.cache or present in a
 * directory it searches. Undefined when that cannot be told (the cache is unreadable).
 */
export function vulkanLoaderIn(view: LinkerView): boolean | undefined {
  if (view.dirs.some((dir) => view.exists(`${dir}/${VULKAN_LOADER}`))) return true;
  if (view.cache === undefined) return undefined;
  return view.cache.includes(VULKAN_LOADER);
}

/**
 * On Linux, whether Dawn will find the Vulkan loader; undefined on other systems or when it
 * cannot be told. Checked before Dawn starts, which otherwise prints a native warning to
 * stderr and only then reports that it found no adapter.
 */
export async function vulkanLoaderFound(): Promise<boolean | undefined> {
  if (typeof process === 'undefined' || process.platform !== 'linux') return undefined;
  const fs = await importOptional<typeof import('node:fs')>('node:fs');
  if (!fs) return undefined;
  let cache: string | undefined;
  try {
    cache = fs.readFileSync('/etc/ld.so.cache', 'latin1');
  } catch {
    cache = undefined;
  }
  const fromEnv = (process.env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean);
  return vulkanLoaderIn({ cache, dirs: [...fromEnv, ...DEFAULT_DIRS], exists: fs.existsSync });
}
