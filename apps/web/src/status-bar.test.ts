import { describe, expect, it } from 'vitest';
import { statusText } from './status-bar';

const info = (name: 'webgl' | 'wasm', flags = {}) => ({
  name,
  version: '4.22.0',
  flags,
  skipped: [],
  summary: '',
});

describe('statusText', () => {
  it('shows the backend, its precision and the memory in use', () => {
    const memory = {
      numTensors: 12,
      numBytes: 3 * 2 ** 20,
      numDataBuffers: 12,
      unreliable: false,
      reasons: [],
    };
    expect(statusText(info('webgl', { float32: true }), memory)).toBe(
      'backend: webgl (float32) · tensors: 12 · memory: 3.0 MiB',
    );
    expect(statusText(info('webgl', { float32: false }), memory)).toContain('webgl (float16)');
    expect(statusText(undefined, memory)).toContain('starting');
  });
});
