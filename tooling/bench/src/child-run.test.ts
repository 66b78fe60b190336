import { describe, expect, it } from 'vitest';
import { runChild } from './child-run';

const echo = new URL('./fixtures/echo-child.ts', import.meta.url).href;

describe('runChild', () => {
  it('runs a source file through tsx and returns its last JSON line', () => {
    expect(runChild(echo, '--echo-child', 'hello', 60_000)).toEqual({ ok: true, value: { echoed: 'hello' } });
  });

  it("returns the child's stderr when it fails", () => {
    const r = runChild(echo, '--echo-child', 'fail', 60_000);
    expect(r).toEqual({ ok: false, why: 'asked to fail' });
  });

  it('rejects a flag that isChildRun would not recognise', () => {
    expect(() => runChild(echo, '--echo', 'x', 1000)).toThrow(/must end in -child/);
  });
});
