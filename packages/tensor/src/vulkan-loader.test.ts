import { describe, expect, it } from 'vitest';
import { vulkanLoaderFound, vulkanLoaderIn } from './vulkan-loader';

describe('vulkanLoaderIn', () => {
  const view = (cache: string | undefined, files: string[] = []) => ({
    cache,
    dirs: ['/opt/gl', '/usr/lib'],
    exists: (p: string) => files.includes(p),
  });

  it('finds the loader named in the linker cache or in a searched directory', () => {
    expect(vulkanLoaderIn(view('ld.so-1.7.0\0libc.so.6\0libvulkan.so.1\0'))).toBe(true);
    expect(vulkanLoaderIn(view(undefined, ['/opt/gl/libvulkan.so.1']))).toBe(true);
  });

  it('says no when neither has it, and cannot tell without a cache', () => {
    expect(vulkanLoaderIn(view('ld.so-1.7.0\0libc.so.6\0libvulkan.so.0\0'))).toBe(false);
    expect(vulkanLoaderIn(view(undefined))).toBeUndefined();
  });

  it('reads this machine (a boolean on Linux)', async () => {
    const found = await vulkanLoaderFound();
    if (process.platform === 'linux') expect(typeof found).toBe('boolean');
    else expect(found).toBeUndefined();
  });
});
