/**
 * A small read-only view of HDF5 files over h5wasm (the HDF Group's C library compiled to
 * WebAssembly), enough to read Keras weight and model files: groups, attributes (including the
 * fixed-length byte-string arrays Keras writes) and numeric datasets as Float32Array.
 *
 * Browser-safe: `openH5(bytes)` copies the bytes into h5wasm's in-memory file system. In node,
 * `openH5File(path)` from `@convkit/layers/node` reads the file lazily from disk instead.
 */
import type { Attribute, Dataset, Group, File as H5WasmFile, Metadata } from 'h5wasm';
import { ModelFormatError } from './errors';
import { float16BitsToFloat32 } from './float16';

/** The parts of an h5wasm build this module uses (the browser and node builds both fit). */
export interface H5Runtime {
  File: new (filename: string, mode?: 'r') => H5WasmFile;
  Module: {
    _malloc(size: number): number;
    _free(ptr: number): void;
    HEAPU8: Uint8Array;
    get_dataset_data(fileId: bigint, path: string, c: null, o: null, s: null, ptr: bigint): number;
    FS?: { writeFile(path: string, data: Uint8Array): void; unlink(path: string): void };
  };
}

/** A decoded attribute value: byte strings become JS strings, numeric arrays become number[]. */
export type H5AttributeValue = string | number | boolean | string[] | number[] | object | null;

/** The HDF5 signature that starts every HDF5 file (at offset 0, 512, 1024, ...). */
const SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

/** True when `bytes` carry the HDF5 signature at offset 0 or at a user-block offset (512, 1024, ...). */
export function isHdf5(bytes: Uint8Array): boolean {
  for (let offset = 0; offset + 8 <= bytes.length; offset = offset === 0 ? 512 : offset * 2) {
    if (SIGNATURE.every((b, i) => bytes[offset + i] === b)) return true;
    if (offset >= 1 << 20) break;
  }
  return false;
}

/** A group (or the root) of an open HDF5 file. Paths are relative to this group. */
export class H5Group {
  /** @internal */
  constructor(
    /** The file this group belongs to. */
    readonly file: H5File,
    /** @internal */
    readonly handle: Group,
  ) {}

  /** The group's absolute path inside the file ('/' for the root). */
  get path(): string {
    return this.handle.path;
  }

  /** Names of the group's direct children (groups and datasets), in the file's order. */
  keys(): string[] {
    return [
      ...this.file.cached('keys', this.path, () => guard(this.file, this.path, () => this.handle.keys())),
    ];
  }

  /** Names of the group's attributes. */
  attributeNames(): string[] {
    return [
      ...this.file.cached('attrs', this.path, () =>
        guard(this.file, this.path, () => Object.keys(this.handle.attrs)),
      ),
    ];
  }

  /** True when the group has an attribute called `name`. */
  hasAttribute(name: string): boolean {
    return this.file.cachedSet('attrs', this.path, () => this.attributeNames()).has(name);
  }

  /** An attribute's decoded value. Throws naming the file, the group and the attributes present. */
  attribute(name: string): H5AttributeValue {
    const attr = guard(this.file, this.path, () => this.handle.attrs[name]);
    if (!attr) {
      throw new ModelFormatError(
        `${this.file.source}: group ${this.path} has no attribute '${name}'; ` +
          `its attributes are: ${list(this.attributeNames())}.`,
      );
    }
    return guard(this.file, `${this.path} attribute '${name}'`, () => decodeAttribute(attr));
  }

  /** A string attribute (fixed-length byte string or variable-length UTF-8). */
  stringAttribute(name: string): string {
    const value = this.attribute(name);
    if (typeof value === 'string') return value;
    if (Array.isArray(value) && value.length === 1 && typeof value[0] === 'string') return value[0];
    throw new ModelFormatError(
      `${this.file.source}: attribute '${name}' of ${this.path} should be a string, found ${describe(value)}.`,
    );
  }

  /** An attribute holding JSON text (Keras's model_config, training_config), parsed. */
  jsonAttribute(name: string): unknown {
    const text = this.stringAttribute(name);
    try {
      return JSON.parse(text);
    } catch (error) {
      throw new ModelFormatError(
        `${this.file.source}: attribute '${name}' of ${this.path} is not valid JSON (${(error as Error).message}).`,
        { cause: error },
      );
    }
  }

  /**
   * A list-of-strings attribute as Keras writes them (`layer_names`, `weight_names`): an array
   * of byte strings; an empty list (which h5py stores as an empty float array); or, when the
   * list is too big for one HDF5 object header, chunks `name0`, `name1`, ... Returns undefined
   * when neither `name` nor `name0` exists.
   */
  stringListAttribute(name: string): string[] | undefined {
    if (this.hasAttribute(name)) return toStringList(this, name, this.attribute(name));
    if (!this.hasAttribute(`${name}0`)) return undefined;
    const out: string[] = [];
    for (let i = 0; this.hasAttribute(`${name}${i}`); i++) {
      out.push(...toStringList(this, `${name}${i}`, this.attribute(`${name}${i}`)));
    }
    return out;
  }

  /** True when `path` names a child group or dataset. */
  has(path: string): boolean {
    return this.entity(path) !== null;
  }

  /** The child group at `path`; throws naming what exists here when there is none. */
  group(path: string): H5Group {
    const entity = this.entity(path);
    if (!entity || (entity as { type?: string }).type !== 'Group') {
      throw new ModelFormatError(this.missing('group', path, entity));
    }
    return new H5Group(this.file, entity as Group);
  }

  /** The dataset at `path`; throws naming what exists here when there is none. */
  dataset(path: string): H5Dataset {
    const entity = this.entity(path);
    if (!entity || (entity as { type?: string }).type !== 'Dataset') {
      throw new ModelFormatError(this.missing('dataset', path, entity));
    }
    return new H5Dataset(this.file, entity as Dataset);
  }

  /**
   * Walks `path` one component at a time, checking each exists first: h5wasm's own get() on a
   * path through a dataset returns a bogus group and prints HDF5's error stack.
   */
  private entity(path: string): unknown {
    let node: unknown = this.handle;
    for (const part of path.split('/').filter(Boolean)) {
      if ((node as { type?: string }).type !== 'Group') return null;
      const group = node as Group;
      const children = this.file.cachedSet('keys', group.path, () =>
        guard(this.file, group.path, () => group.keys()),
      );
      if (!children.has(part)) return null;
      node = guard(this.file, group.path, () => group.get(part));
    }
    return node;
  }

  private missing(kind: string, path: string, found: unknown): string {
    const what = found ? `a ${(found as { type?: string }).type ?? 'non-' + kind}` : 'nothing';
    return (
      `${this.file.source}: expected a ${kind} '${path}' in ${this.path}, found ${what}; ` +
      `${this.path} holds: ${list(this.keys())}.`
    );
  }
}

/** A numeric dataset of an open HDF5 file. */
export class H5Dataset {
  /** @internal */
  constructor(
    /** The file this dataset belongs to. */
    readonly file: H5File,
    /** @internal */
    readonly handle: Dataset,
  ) {}

  /** The dataset's absolute path inside the file. */
  get path(): string {
    return this.handle.path;
  }

  /** The dataset's shape ([] for a scalar). */
  get shape(): number[] {
    return (this.handle.shape ?? []).map(Number);
  }

  /** The element type: 'float16' | 'float32' | 'float64' | 'int8' ... 'uint64' | 'string' | 'other'. */
  get dtype(): string {
    return dtypeName(this.handle.metadata);
  }

  /**
   * The values as float32, row-major. float16, float64 and integer datasets are converted
   * (as Keras's load_weights does when it assigns them to float32 variables).
   */
  float32(): Float32Array {
    const meta = this.handle.metadata;
    const count = this.shape.reduce((a, b) => a * b, 1);
    if (count === 0) return new Float32Array(0);
    const type = dtypeName(meta);
    if (type === 'float16') return float16BitsToFloat32(this.readRaw(2 * count));
    if (type === 'string' || type === 'other') {
      throw new ModelFormatError(
        `${this.file.source}: dataset ${this.path} holds ${type === 'string' ? 'strings' : 'non-numeric data'}, ` +
          `expected numbers.`,
      );
    }
    const value = guard(this.file, this.path, () => this.handle.value as unknown);
    if (value instanceof Float32Array) return value;
    if (typeof value === 'number' || typeof value === 'bigint') return Float32Array.of(Number(value));
    if (value instanceof BigInt64Array || value instanceof BigUint64Array) {
      return Float32Array.from(value, (v) => Number(v));
    }
    return Float32Array.from(value as ArrayLike<number>);
  }

  private readRaw(nbytes: number): Uint16Array {
    const module = this.file.runtime.Module;
    const ptr = module._malloc(nbytes);
    try {
      guard(this.file, this.path, () =>
        module.get_dataset_data(this.handle.file_id, this.path, null, null, null, BigInt(ptr)),
      );
      const bytes = module.HEAPU8.slice(ptr, ptr + nbytes);
      return new Uint16Array(bytes.buffer, 0, nbytes / 2);
    } finally {
      module._free(ptr);
    }
  }
}

/** An open HDF5 file. Close it when done (`close()` frees h5wasm's copy of the bytes). */
export class H5File {
  private closed = false;
  private readonly lists = new Map<string, string[]>();
  private readonly sets = new Map<string, Set<string>>();

  /** @internal */
  constructor(
    /** A name for the file in error messages (its path, or the name given to openH5). */
    readonly source: string,
    /** @internal */
    readonly runtime: H5Runtime,
    /** @internal */
    readonly handle: H5WasmFile,
    private readonly onClose: () => void = () => {},
  ) {}

  /** The root group '/'. */
  get root(): H5Group {
    if (this.closed) throw new Error(`${this.source}: the HDF5 file is closed.`);
    return new H5Group(this, this.handle);
  }

  /** @internal Child and attribute names per path, listed once (the file is read-only). */
  cached(kind: string, path: string, list: () => string[]): string[] {
    const key = `${kind}:${path}`;
    let names = this.lists.get(key);
    if (!names) this.lists.set(key, (names = list()));
    return names;
  }

  /** @internal The same names as a Set, for membership tests. */
  cachedSet(kind: string, path: string, list: () => string[]): Set<string> {
    const key = `${kind}:${path}`;
    let names = this.sets.get(key);
    if (!names) this.sets.set(key, (names = new Set(this.cached(kind, path, list))));
    return names;
  }

  /** Closes the file; further reads throw. Calling it twice is harmless. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.handle.close();
    } finally {
      this.onClose();
    }
  }
}

let browserRuntime: Promise<H5Runtime> | undefined;
let counter = 0;

/** Loads h5wasm's browser-safe build once (it embeds its WebAssembly; no files are fetched). */
async function loadBrowserRuntime(): Promise<H5Runtime> {
  browserRuntime ??= import('h5wasm').then(async (mod) => {
    const module = await mod.ready;
    return { File: mod.File, Module: module } as unknown as H5Runtime;
  });
  return browserRuntime;
}

/**
 * Opens an HDF5 file from its bytes (browser-safe). `name` is used in error messages. Throws
 * ModelFormatError when the bytes are not HDF5.
 */
export async function openH5(bytes: Uint8Array | ArrayBuffer, name = 'HDF5 data'): Promise<H5File> {
  const data = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  if (!isHdf5(data)) {
    throw new ModelFormatError(
      `${name} is not an HDF5 file (no HDF5 signature at its start; ${data.length} bytes). ` +
        `Expected a Keras .h5 file.`,
    );
  }
  const runtime = await loadBrowserRuntime();
  const fs = runtime.Module.FS!;
  const path = `/convkit-${++counter}.h5`;
  fs.writeFile(path, data);
  let handle: H5WasmFile;
  try {
    handle = new runtime.File(path, 'r');
  } catch (error) {
    fs.unlink(path);
    throw new ModelFormatError(`${name} could not be opened as HDF5: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return new H5File(name, runtime, handle, () => fs.unlink(path));
}

/** Opens `source` (bytes or an already open file) and runs `fn`, closing what it opened. */
export async function withH5<T>(
  source: H5File | Uint8Array | ArrayBuffer,
  fn: (file: H5File) => T | Promise<T>,
  name?: string,
): Promise<T> {
  if (source instanceof H5File) return fn(source);
  const file = await openH5(source, name);
  try {
    return await fn(file);
  } finally {
    file.close();
  }
}

/**
 * Runs an h5wasm call, turning its terse errors (a truncated or corrupt file reads as
 * "error - name not defined!") into a ModelFormatError naming the file and the object.
 */
function guard<T>(file: H5File, where: string, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof ModelFormatError) throw error;
    throw new ModelFormatError(
      `${file.source}: reading ${where} failed (${(error as Error)?.message ?? String(error)}); ` +
        `the HDF5 file may be truncated or corrupt.`,
      { cause: error },
    );
  }
}

function decodeAttribute(attr: Attribute): H5AttributeValue {
  const value = attr.value as unknown;
  if (value instanceof BigInt64Array || value instanceof BigUint64Array) return Array.from(value, Number);
  if (ArrayBuffer.isView(value)) return Array.from(value as unknown as ArrayLike<number>);
  if (typeof value === 'bigint') return Number(value);
  // Strings, string arrays, numbers, booleans; compound or reference values as h5wasm gives them.
  return value as H5AttributeValue;
}

function toStringList(group: H5Group, name: string, value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value as string[];
  // h5py stores Python's empty list as an empty float64 array.
  if (Array.isArray(value) && value.length === 0) return [];
  throw new ModelFormatError(
    `${group.file.source}: attribute '${name}' of ${group.path} should be a list of strings, ` +
      `found ${describe(value)}.`,
  );
}

function dtypeName(meta: Metadata): string {
  // H5T classes: 0 integer, 1 float, 3 string.
  if (meta.type === 1) return `float${meta.size * 8}`;
  if (meta.type === 0) return `${meta.signed ? 'int' : 'uint'}${meta.size * 8}`;
  if (meta.type === 3) return 'string';
  return 'other';
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return `an array of ${value.length} (${JSON.stringify(value).slice(0, 80)})`;
  return `${typeof value} ${JSON.stringify(value)?.slice(0, 80)}`;
}

function list(names: string[]): string {
  return names.length ? names.join(', ') : '(nothing)';
}
