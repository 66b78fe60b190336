import { existsSync } from 'node:fs';
import type { Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launchChromium } from './browser';
import { serveStatic } from './static-server';

const dist = fileURLToPath(new URL('../dist', import.meta.url));
const shots = fileURLToPath(new URL('../test-results', import.meta.url));
const FASHION_DIR = '/usr/share/datasets/fashion-mnist';
const FASHION_FILES = [
  'train-images-idx3-ubyte.gz',
  'train-labels-idx1-ubyte.gz',
  't10k-images-idx3-ubyte.gz',
  't10k-labels-idx1-ubyte.gz',
];
const hasFashionMnist = FASHION_FILES.every((f) => existsSync(`${FASHION_DIR}/${f}`));

/** Each view, in a real browser on WebGL (SwiftShader), against the static build. */
describe.skipIf(!hasChromium)('the web app in headless Chromium', () => {
  let browser: Browser;
  let server: Server;
  let page: Page;
  let url: string;
  const problems: string[] = [];

  beforeAll(async () => {
    const served = await serveStatic(dist);
    server = served.server;
    url = served.url;
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('dialog', (d) => {
      problems.push(`dialog: ${d.message()}`);
      void d.dismiss();
    });
    await page.goto(`${served.url}?backend=webgl&epochs=3&limit=400&width=0.5`);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 120_000 });
  });
  afterAll(async () => {
    await browser?.close();
    server?.close();
  });

  it('runs on WebGL and the status bar says so', async () => {
    expect(await page.getAttribute('#status', 'data-backend')).toBe('webgl');
    expect(await page.textContent('#status')).toMatch(/^backend: webgl \(float(32|16)\) · tensors: \d+/);
    expect(problems).toEqual([]);
  });

  it('reports a backend that cannot start here and starts the fastest one that does', async () => {
    const other = await browser.newPage();
    const dialogs: string[] = [];
    other.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    try {
      await other.goto(`${url}?backend=cuda`);
      await other.waitForSelector('body[data-ready="true"]', { timeout: 120_000 });
      expect(dialogs).toHaveLength(1);
      expect(dialogs[0]).toMatch(/'cuda'/);
      expect(dialogs[0]).toMatch(/starts the fastest backend that works here instead/);
      expect(await other.inputValue('#backend')).toBe('auto');
      expect(await other.getAttribute('#status', 'data-backend')).toMatch(/^(webgpu|webgl)$/);
    } finally {
      await other.close();
    }
  });

  it('shows a grid of augmented photos that changes with a slider', async () => {
    const grid = page.getByTestId('augment-grid');
    const before = await grid.evaluate((c: HTMLCanvasElement) => c.toDataURL());
    expect(await grid.evaluate((c: HTMLCanvasElement) => [c.width, c.height])).toEqual([
      4 * 150 + 3 * 4,
      2 * 150 + 4,
    ]);
    await page.locator('input[data-option="rotationRange"]').fill('170');
    await page.waitForFunction(
      () =>
        Number(document.querySelector<HTMLCanvasElement>('[data-testid="augment-grid"]')!.dataset.renders) >
        1,
    );
    const after = await grid.evaluate((c: HTMLCanvasElement) => c.toDataURL());
    expect(after).not.toBe(before);
    await page.screenshot({ path: `${shots}/augment.png`, fullPage: true });
  });

  it.skipIf(!hasFashionMnist)(
    'trains the MNIST convnet on dropped Fashion-MNIST files: both charts fill and accuracy improves',
    async () => {
      await page.click('button[data-view="train"]');
      await page.getByTestId('idx-files').setInputFiles(FASHION_FILES.map((f) => `${FASHION_DIR}/${f}`));
      await page.waitForFunction(() =>
        /Loaded Fashion-MNIST/.test(document.querySelector('[data-testid="train-log"]')!.textContent ?? ''),
      );
      await page.getByTestId('train').click();
      await page.waitForFunction(
        () => /Done\.|Error/.test(document.querySelector('[data-testid="train-log"]')!.textContent ?? ''),
        undefined,
        { timeout: 400_000 },
      );
      const log = await page.getByTestId('train-log').textContent();
      expect(log).not.toMatch(/Error/);
      const accs = [...log!.matchAll(/ acc ([\d.]+)/g)].map((m) => Number(m[1]));
      expect(accs).toHaveLength(3);
      expect(accs.at(-1)!).toBeGreaterThan(accs[0] + 0.05);
      expect(await page.getAttribute('[data-testid="acc-chart"]', 'data-points')).toBe('3');
      expect(await page.getAttribute('[data-testid="loss-chart"]', 'data-points')).toBe('3');
      await page.screenshot({ path: `${shots}/train.png`, fullPage: true });
    },
  );

  it('explains the trained model: predictions, activations and a Grad-CAM overlay', async () => {
    await page.click('button[data-view="explain"]');
    await page.waitForFunction(
      () => document.querySelector<HTMLCanvasElement>('[data-testid="gradcam"]')?.dataset.layer,
    );
    expect(await page.getAttribute('[data-testid="gradcam"]', 'data-layer')).toMatch(/^conv2d/);
    expect(await page.locator('[data-testid="predictions"] tr').count()).toBe(5);
    await page.waitForFunction(
      () => document.querySelector<HTMLCanvasElement>('[data-testid="activation-grid"]')?.dataset.layer,
    );
    await page.getByTestId('alpha').fill('0.9');
    await page.waitForFunction(
      () => document.querySelector<HTMLCanvasElement>('[data-testid="gradcam"]')?.dataset.alpha === '0.9',
    );
    expect(await page.textContent('[data-testid="explain-error"]')).toBe('');
    await page.screenshot({ path: `${shots}/explain.png`, fullPage: true });
    expect(problems).toEqual([]);
  });
});
