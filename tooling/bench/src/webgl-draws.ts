import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MeasureSteps, StepCost } from './webgl-pages/count-draws';

/** Debian's Chromium (CHROMIUM_PATH overrides), as the web app's end-to-end tests use it. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** The pages, by contender: each bundles one library with tfjs-backend-webgl. */
const PAGES = { convkit: 'convkit.ts', 'tfjs-layers': 'tfjs-layers.ts' } as const;

/** The cost of a training step of the MNIST convnet on WebGL, by contender, or why it was not measured. */
export type WebglStepCosts = { perStep: Record<keyof typeof PAGES, StepCost> } | { skipped: string };

/**
 * Counts WebGL draws per training step of the chapter's MNIST convnet in headless Chromium
 * (SwiftShader's WebGL, float32), and times the steps, for convkit and for tfjs-layers, each in
 * its own page: the pages are bundled here with esbuild and served on 127.0.0.1.
 */
export async function measureWebglSteps(batch: number, steps: number): Promise<WebglStepCosts> {
  if (!existsSync(CHROMIUM)) return { skipped: `no Chromium at ${CHROMIUM} (set CHROMIUM_PATH)` };
  const dir = mkdtempSync(join(tmpdir(), 'convkit-webgl-draws-'));
  // An empty page at /, and the bundles beside it.
  const server = createServer((req, res) => {
    const name = (req.url ?? '/').slice(1);
    if (!name) return void res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html>');
    const file = join(dir, name.replace(/[^\w.-]/g, ''));
    if (!existsSync(file)) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'text/javascript' }).end(readFileSync(file));
  });
  try {
    // Loaded here, so that a bundle of the bench (tooling/bench/device) runs without them.
    const { build } = await import('esbuild');
    await build({
      entryPoints: Object.values(PAGES).map((p) =>
        fileURLToPath(new URL(`./webgl-pages/${p}`, import.meta.url)),
      ),
      outdir: dir,
      bundle: true,
      format: 'esm',
      platform: 'browser',
      logLevel: 'error',
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--use-angle=swiftshader',
        '--enable-unsafe-swiftshader',
        '--ignore-gpu-blocklist',
      ],
    });
    try {
      const perStep = {} as Record<keyof typeof PAGES, StepCost>;
      for (const [who, entry] of Object.entries(PAGES) as [keyof typeof PAGES, string][]) {
        const page = await browser.newPage();
        await page.goto(`http://127.0.0.1:${port}/`);
        await page.addScriptTag({ url: entry.replace(/\.ts$/, '.js'), type: 'module' });
        await page.waitForFunction(() => 'measureSteps' in globalThis);
        perStep[who] = await page.evaluate(
          ([b, s]) => (globalThis as unknown as { measureSteps: MeasureSteps }).measureSteps(b, s),
          [batch, steps] as const,
        );
        await page.close();
      }
      return { perStep };
    } finally {
      await browser.close();
    }
  } catch (error) {
    // A Chromium that cannot start, or a page without WebGL: say so, and let the other benchmarks run.
    return { skipped: `counting in Chromium failed: ${(error as Error).message.split('\n')[0]}` };
  } finally {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
