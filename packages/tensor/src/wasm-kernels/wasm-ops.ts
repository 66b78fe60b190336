import * as tf from '@tensorflow/tfjs-core';

type TensorInfo = tf.TensorInfo;
type NamedAttrMap = tf.NamedAttrMap;

/** The parts of tfjs-backend-wasm's BackendWasm that convkit's wasm kernels use. */
export interface WasmBackendLike {
  dataIdMap: {
    get(dataId: object): { memoryOffset: number; shape: number[]; dtype: tf.DataType } | undefined;
    /** Whether the data is (still) on this backend; `get` of missing data asks the engine to move it here. */
    has(dataId: object): boolean;
  };
  makeOutput(shape: number[], dtype: tf.DataType): TensorInfo;
  disposeData(dataId: object, force?: boolean): boolean;
  readSync(dataId: object): unknown;
  wasm: { HEAPU8: Uint8Array; wasmMemory?: WebAssembly.Memory; asm?: { memory?: WebAssembly.Memory } };
}

/**
 * Runs the wasm backend's own kernels from inside another kernel (below the engine, so
 * nothing is taped or tracked) and keeps the intermediates for one `dispose` at the end.
 */
export class WasmOps {
  private readonly temps: TensorInfo[] = [];

  constructor(readonly backend: WasmBackendLike) {}

  /** Runs a registered wasm kernel and remembers its output as a temporary. */
  run(kernelName: string, inputs: Record<string, TensorInfo>, attrs: NamedAttrMap = {}): TensorInfo {
    const config = tf.getKernel(kernelName, 'wasm');
    if (!config)
      throw new Error(`convkit wasm kernels need the wasm kernel '${kernelName}', which is not registered.`);
    const out = config.kernelFunc({ inputs, backend: this.backend, attrs }) as TensorInfo;
    this.temps.push(out);
    return out;
  }

  /** Runs a kernel function directly (such as the original of a wrapped kernel) and remembers its output. */
  call(kernelFunc: tf.KernelFunc, inputs: Record<string, TensorInfo>, attrs: NamedAttrMap = {}): TensorInfo {
    const out = kernelFunc({ inputs, backend: this.backend, attrs }) as TensorInfo;
    this.temps.push(out);
    return out;
  }

  transpose(x: TensorInfo, perm: number[]): TensorInfo {
    return this.run(tf.Transpose, { x }, { perm });
  }

  reshape(x: TensorInfo, shape: number[]): TensorInfo {
    return this.run(tf.Reshape, { x }, { shape });
  }

  reverse(x: TensorInfo, dims: number[]): TensorInfo {
    return this.run(tf.Reverse, { x }, { dims });
  }

  pad(x: TensorInfo, paddings: [number, number][]): TensorInfo {
    return this.run(tf.PadV2, { x }, { paddings, constantValue: 0 });
  }

  slice(x: TensorInfo, begin: number[], size: number[]): TensorInfo {
    return this.run(tf.Slice, { x }, { begin, size });
  }

  /** NHWC conv2d with explicit padding [top, bottom, left, right]. */
  conv2d(
    x: TensorInfo,
    filter: TensorInfo,
    pads: [number, number, number, number],
    dilations: [number, number] = [1, 1],
  ): TensorInfo {
    const [top, bottom, left, right] = pads;
    return this.run(tf.Conv2D, { x, filter }, {
      strides: [1, 1],
      dilations,
      pad: [
        [0, 0],
        [top, bottom],
        [left, right],
        [0, 0],
      ],
      dataFormat: 'NHWC',
      dimRoundingMode: undefined as unknown as string,
    } as unknown as NamedAttrMap);
  }

  /**
   * Hands `result` to the caller (the engine takes ownership) and disposes every other
   * intermediate. Returns `result`.
   */
  finish(result: TensorInfo): TensorInfo {
    for (const t of this.temps) if (t !== result) this.backend.disposeData(t.dataId);
    this.temps.length = 0;
    return result;
  }

  /** Disposes some intermediates now (to bound the heap inside a long kernel). */
  release(tensors: readonly TensorInfo[]): void {
    const gone = new Set(tensors);
    for (const t of tensors) this.backend.disposeData(t.dataId);
    const kept = this.temps.filter((t) => !gone.has(t));
    this.temps.length = 0;
    this.temps.push(...kept);
  }

  /** Disposes every intermediate (used when a kernel throws). */
  disposeAll(): void {
    for (const t of this.temps) this.backend.disposeData(t.dataId);
    this.temps.length = 0;
  }

  /** Allocates a tensor on the wasm heap for the caller to fill (disposed unless returned). */
  output(shape: number[], dtype: tf.DataType = 'float32'): TensorInfo {
    const out = this.backend.makeOutput(shape, dtype);
    this.temps.push(out);
    return out;
  }

  /** The backend's WebAssembly.Memory (the threaded build exports it as wasmMemory, the others in asm). */
  memory(): WebAssembly.Memory | undefined {
    return wasmMemory(this.backend);
  }

  /** An int32 tensor on the heap holding the byte offsets of `tensors` (a pointer table for the SIMD helpers). */
  pointerTable(tensors: readonly TensorInfo[]): TensorInfo {
    return this.offsetTable(tensors.map((t) => this.offset(t)));
  }

  /** An int32 tensor on the heap holding the given byte offsets (a pointer table for the SIMD helpers). */
  offsetTable(offsets: readonly number[]): TensorInfo {
    const table = this.output([offsets.length], 'int32');
    const buffer = this.memory()?.buffer ?? this.backend.wasm.HEAPU8.buffer;
    new Int32Array(buffer, this.offset(table), offsets.length).set(offsets);
    return table;
  }

  /** The byte offset of a tensor's data on the wasm heap. */
  offset(t: TensorInfo): number {
    const entry = this.backend.dataIdMap.get(t.dataId);
    if (!entry) throw new Error('convkit wasm kernel: tensor data is not on the wasm heap.');
    return entry.memoryOffset;
  }

  /** A Float32Array view of a float32 tensor's data on the wasm heap (valid until the next allocation). */
  heapF32(t: TensorInfo): Float32Array {
    const entry = this.backend.dataIdMap.get(t.dataId);
    if (!entry) throw new Error('convkit wasm kernel: tensor data is not on the wasm heap.');
    const buffer = this.memory()?.buffer ?? this.backend.wasm.HEAPU8.buffer;
    return new Float32Array(buffer, entry.memoryOffset, sizeOf(t.shape));
  }
}

/** A wasm backend's WebAssembly.Memory (the threaded build exports it as wasmMemory, the others in asm). */
export function wasmMemory(backend: WasmBackendLike): WebAssembly.Memory | undefined {
  return backend.wasm.wasmMemory ?? backend.wasm.asm?.memory;
}

/** Number of elements of a shape. */
export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Runs `body` with a fresh WasmOps; every intermediate except the returned tensor is disposed, also on error. */
export function withWasmOps(backend: unknown, body: (ops: WasmOps) => TensorInfo): TensorInfo {
  const ops = new WasmOps(backend as WasmBackendLike);
  let result: TensorInfo;
  try {
    result = body(ops);
  } catch (error) {
    ops.disposeAll();
    throw error;
  }
  return ops.finish(result);
}
