import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { convkitClosure, publicPackages } from './public-packages';

// Async, so the vitest worker's event loop is never blocked for the length of an npm install.
const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../../..');
const work = mkdtempSync(join(tmpdir(), 'convkit-pack-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/**
 * Packs every public package with pnpm (as a release would), installs each tarball alone with
 * npm into an empty project, and imports every entry it exports: proof that packages install
 * from the registry without the workspace around them.
 */
describe('each public package installs alone from its tarball', () => {
  const packages = publicPackages(root);
  const tarballs = new Map<string, string>();

  it('packs every public package', async () => {
    expect(packages.map((p) => p.name)).toContain('@convkit/tensor');
    for (const p of packages) {
      await run('pnpm', ['pack', '--pack-destination', work], { cwd: p.dir });
    }
    const files = readdirSync(work).filter((f) => f.endsWith('.tgz'));
    for (const p of packages) {
      const prefix = p.name.replace('@', '').replace('/', '-');
      const file = files.find((f) => f.startsWith(`${prefix}-`));
      expect(file, `tarball for ${p.name}`).toBeDefined();
      tarballs.set(p.name, join(work, file!));
    }
  });

  for (const p of packages) {
    it(`${p.name} installs with npm and imports`, async () => {
      const project = mkdtempSync(join(work, 'project-'));
      writeFileSync(
        join(project, 'package.json'),
        JSON.stringify({ name: 'probe', private: true, type: 'module' }),
      );
      // The @convkit packages it needs are not on the registry yet: npm gets their tarballs too.
      const needed = [p.name, ...convkitClosure(p.name, packages)].map((name) => tarballs.get(name)!);
      // A ./testing entry is for test files: it needs vitest, its documented peer, and loads only
      // inside a vitest run, so it is imported there.
      const testing = p.entries.filter((e) => e.endsWith('/testing'));
      if (testing.length) needed.push('vitest@3');
      await run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...needed], {
        cwd: project,
      });
      const plain = p.entries.filter((e) => !testing.includes(e));
      const script = plain.map((e) => `await import(${JSON.stringify(e)});`).join('\n');
      writeFileSync(join(project, 'probe.mjs'), `${script}\nconsole.log('imported ${plain.length}');`);
      const { stdout: out } = await run('node', ['probe.mjs'], { cwd: project });
      expect(out).toContain(`imported ${plain.length}`);
      if (testing.length) {
        const imports = testing.map((e) => `await import(${JSON.stringify(e)});`).join(' ');
        writeFileSync(
          join(project, 'probe.test.mjs'),
          `import { it } from 'vitest';\nit('imports the testing entries', async () => { ${imports} });\n`,
        );
        await run(join(project, 'node_modules', '.bin', 'vitest'), ['run', '--root', project], {
          cwd: project,
        });
      }
      if (p.bin) {
        const { stdout: version } = await run(join(project, 'node_modules', '.bin', p.bin), ['--version']);
        expect(version.trim()).toMatch(/^\d+\.\d+\.\d+/);
      }
    });
  }
});
