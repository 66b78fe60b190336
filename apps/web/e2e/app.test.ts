import type { Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launchChromium } from './browser';
import { serveStatic } from './static-server';

const dist = fileURLToPath(new URL('../dist', import.meta.url));
const shots = fileURLToPath(new URL('../test-results', import.meta.url));

describe.skipIf(!hasChromium)('the web app in headless Chromium', () => {
  let browser: Browser;
  let server: Server;
  let page: Page;
  let url: string;

  beforeAll(async () => {
    ({ url, server } = await serveStatic(dist));
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('console', (m) => console.error('[browser]', m.type(), m.text()));
    page.on('pageerror', (e) => console.error('[pageerror]', e.message));
    page.on('dialog', (d) => { console.error('[dialog]', d.message()); void d.dismiss(); });
    page.on('requestfailed', (r) => console.error('[reqfail]', r.url()));
    page.on('response', (r) => r.status() >= 400 && console.error('[http]', r.status(), r.url()));
  });
  afterAll(async () => {
    await browser?.close();
    server?.close();
  });

  it('starts on WebGL and the status bar says so', async () => {
    await page.goto(`${url}?backend=webgl`);
    await page.waitForFunction(() => document.querySelector('#status')?.getAttribute('data-backend') === 'webgl');
    expect(await page.textContent('#status')).toMatch(/^backend: webgl \(float(32|16)\)/);
    await page.screenshot({ path: `${shots}/status.png` });
  });
});
