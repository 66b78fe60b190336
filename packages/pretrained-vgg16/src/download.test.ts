import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DownloadProgress, downloadFile } from './download';
import { startTestServer, type TestServer } from './test-server';
import { kerasModelsDir, resolveVgg16Weights } from './weights-cache';

const body = new Uint8Array(300_000).map((_, i) => (i * 7919 + (i >> 8)) & 255);
const md5 = createHash('md5').update(body).digest('hex');
const other = body.map((b) => b ^ 1);

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({
    '/ok.h5': { body },
    '/drop.h5': { body, dropAfter: 100_000 },
    '/drop-twice.h5': { body, dropAfter: 70_000, dropTimes: 2 },
    '/always-drop.h5': { body, dropAfter: 1000, dropTimes: 99 },
    '/no-range.h5': { body, dropAfter: 50_000, ignoreRange: true },
    '/vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5': { body },
    '/tampered/vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5': { body: other },
  });
});
afterAll(() => server.close());

const tmp = () => mkdtempSync(join(tmpdir(), 'vgg16-dl-'));
const rangesFor = (path: string) => server.requests.filter((r) => r.path === path).map((r) => r.range);

describe('downloadFile', () => {
  it('downloads, checks the md5 and renames the .part into place, reporting progress', async () => {
    const dest = join(tmp(), 'ok.h5');
    const seen: DownloadProgress[] = [];
    await downloadFile(`${server.baseUrl}/ok.h5`, dest, { md5, onProgress: (p) => seen.push(p) });
    expect(readFileSync(dest)).toEqual(Buffer.from(body));
    expect(existsSync(`${dest}.part`)).toBe(false);
    expect(seen.at(-1)).toEqual({ received: body.length, total: body.length });
    expect(seen.length).toBeGreaterThan(2);
  });

  it('resumes a dropped connection with an HTTP Range request', async () => {
    const dest = join(tmp(), 'drop.h5');
    const seen: DownloadProgress[] = [];
    await downloadFile(`${server.baseUrl}/drop.h5`, dest, {
      md5,
      retryDelayMs: 1,
      onProgress: (p) => seen.push(p),
    });
    expect(readFileSync(dest)).toEqual(Buffer.from(body));
    expect(rangesFor('/drop.h5')).toEqual([undefined, 'bytes=100000-']);
    expect(seen.some((p) => p.resumedAt === 100_000)).toBe(true);
  });

  it('resumes more than once', async () => {
    const dest = join(tmp(), 'drop-twice.h5');
    await downloadFile(`${server.baseUrl}/drop-twice.h5`, dest, { md5, retryDelayMs: 1 });
    expect(readFileSync(dest)).toEqual(Buffer.from(body));
    expect(rangesFor('/drop-twice.h5')).toEqual([undefined, 'bytes=70000-', 'bytes=140000-']);
  });

  it('gives up after the allowed resumes, keeping the .part for a later run that finishes it', async () => {
    const dest = join(tmp(), 'always-drop.h5');
    await expect(
      downloadFile(`${server.baseUrl}/always-drop.h5`, dest, { md5, retries: 2, retryDelayMs: 1 }),
    ).rejects.toThrow(/failed after 2 resumed attempt\(s\).*continue from the \.part/);
    expect(existsSync(dest)).toBe(false);
    expect(readFileSync(`${dest}.part`).length).toBe(3000);
    // A later run continues from the .part (against a server that no longer drops).
    await downloadFile(`${server.baseUrl}/ok.h5`, dest, { md5 });
    expect(readFileSync(dest)).toEqual(Buffer.from(body));
    expect(rangesFor('/ok.h5').at(-1)).toBe('bytes=3000-');
  });

  it('starts over when the server ignores the Range header', async () => {
    const dest = join(tmp(), 'no-range.h5');
    await downloadFile(`${server.baseUrl}/no-range.h5`, dest, { md5, retryDelayMs: 1 });
    expect(readFileSync(dest)).toEqual(Buffer.from(body));
  });

  it('refuses a file whose md5 differs, deleting it and leaving nothing at the destination', async () => {
    const dest = join(tmp(), 'ok.h5');
    await expect(downloadFile(`${server.baseUrl}/ok.h5`, dest, { md5: '0'.repeat(32) })).rejects.toThrow(
      new RegExp(`has md5 ${md5}, expected 0{32}`),
    );
    expect(existsSync(dest)).toBe(false);
    expect(existsSync(`${dest}.part`)).toBe(false);
  });

  it('refuses a file of the wrong size', async () => {
    const dest = join(tmp(), 'ok.h5');
    await expect(downloadFile(`${server.baseUrl}/ok.h5`, dest, { bytes: 12345 })).rejects.toThrow(
      /expected 12345/,
    );
    expect(existsSync(dest)).toBe(false);
  });

  it('reports an HTTP error status', async () => {
    await expect(downloadFile(`${server.baseUrl}/missing.h5`, join(tmp(), 'x.h5'))).rejects.toThrow(
      /HTTP 404/,
    );
  });
});

describe('resolveVgg16Weights', () => {
  it('downloads into the cache folder, then finds it there without the network', async () => {
    const cacheDir = tmp();
    const path = await resolveVgg16Weights({ includeTop: false, cacheDir, baseUrl: server.baseUrl, md5 });
    expect(path).toBe(join(cacheDir, 'vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5'));
    expect(readFileSync(path)).toEqual(Buffer.from(body));
    const before = server.requests.length;
    expect(
      await resolveVgg16Weights({ includeTop: false, cacheDir, baseUrl: 'http://127.0.0.1:9/', md5 }),
    ).toBe(path);
    expect(server.requests.length).toBe(before);
  });

  it("uses Keras's real md5 and size by default, so a different file is refused", async () => {
    const cacheDir = tmp();
    await expect(
      resolveVgg16Weights({ includeTop: false, cacheDir, baseUrl: `${server.baseUrl}/tampered` }),
    ).rejects.toThrow(/expected 58889256/);
    await expect(
      resolveVgg16Weights({ includeTop: false, cacheDir, baseUrl: `${server.baseUrl}/tampered`, md5 }),
    ).rejects.toThrow(/has md5 .* expected/);
    expect(existsSync(join(cacheDir, 'vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5'))).toBe(false);
  });

  it('reports a corrupt file in the cache instead of using it', async () => {
    const cacheDir = tmp();
    writeFileSync(join(cacheDir, 'vgg16_weights_tf_dim_ordering_tf_kernels.h5'), other);
    await expect(resolveVgg16Weights({ cacheDir, md5 })).rejects.toThrow(
      /cached weights file .* has md5 .*Delete it/,
    );
  });

  it('downloads a URL into the cache under its file name', async () => {
    const cacheDir = tmp();
    const path = await resolveVgg16Weights({ weights: `${server.baseUrl}/ok.h5`, cacheDir, md5 });
    expect(path).toBe(join(cacheDir, 'ok.h5'));
  });

  it('uses a path as it is, and names a missing one', async () => {
    const dir = tmp();
    const file = join(dir, 'mine.h5');
    writeFileSync(file, body);
    expect(await resolveVgg16Weights({ weights: file })).toBe(file);
    await expect(resolveVgg16Weights({ weights: join(dir, 'nope.h5') })).rejects.toThrow(
      /not found: .*nope\.h5/,
    );
  });

  it('finds the Keras cache through KERAS_HOME', () => {
    expect(kerasModelsDir({ KERAS_HOME: '/data/keras' })).toBe('/data/keras/models');
    expect(kerasModelsDir({})).toMatch(/\.keras\/models$/);
  });
});
