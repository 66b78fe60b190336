/** What convkit tells of a WebGPU adapter. */
export interface WebgpuAdapterInfo {
  /** Vendor, architecture and description as the adapter gives them ('mesa software llvmpipe ...'). */
  description: string;
  /**
   * True for an adapter that runs on the CPU (Mesa's llvmpipe/lavapipe, SwiftShader, a fallback
   * adapter): it computes correctly but is slower than the wasm backend.
   */
  software: boolean;
}

/** The parts of a GPUAdapter read here (`info`, or the older `requestAdapterInfo()`). */
export interface AdapterLike {
  info?: AdapterFields;
  isFallbackAdapter?: boolean;
  requestAdapterInfo?: () => Promise<AdapterFields>;
}

type AdapterFields = {
  vendor?: string;
  architecture?: string;
  description?: string;
  isFallbackAdapter?: boolean;
};

const SOFTWARE = /\b(llvmpipe|lavapipe|swiftshader|software)\b/i;

/** Describes an adapter and tells whether it is a software one. */
export async function describeAdapter(adapter: AdapterLike): Promise<WebgpuAdapterInfo> {
  const info = adapter.info ?? (await adapter.requestAdapterInfo?.().catch(() => undefined)) ?? {};
  const description =
    [info.vendor, info.architecture, info.description].filter((s) => s?.trim()).join(' ') ||
    'unknown adapter';
  const software =
    adapter.isFallbackAdapter === true || info.isFallbackAdapter === true || SOFTWARE.test(description);
  return { description, software };
}
