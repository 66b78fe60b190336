import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { convkitClosure, publicPackages } from './public-packages';

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

  it('packs every public package', () => {
    expect(packages.map((p) => p.name)).toContain('@convkit/tensor');
    for (const p of packages) {
      execFileSync('pnpm', ['pack', '--pack-destination', work], { cwd: p.dir, stdio: 'pipe' });
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
    it(`${p.name} installs with npm and imports`, () => {
      const project = mkdtempSync(join(work, 'project-'));
      writeFileSync(
        join(project, 'package.json'),
        JSON.stringify({ name: 'probe', private: true, type: 'module' }),
      );
      // The @convkit packages it needs are not on the registry yet: npm gets their tarballs too.
      const needed = [p.name, ...convkitClosure(p.name, packages)].map((name) => tarballs.get(name)!);
      // A ./testing entry is for test files: it needs vitest, its documented peer.
      if (p.entries.some((e) => e.endsWith('/testing'))) needed.push('vitest@3');
      execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...needed], {
        cwd: project,
        stdio: 'pipe',
      });
      const script = p.entries.map((e) => `await import(${JSON.stringify(e)});`).join('\n');
      writeFileSync(join(project, 'probe.mjs'), `${script}\nconsole.log('imported ${p.entries.length}');`);
      if (p.entries.length) {
        const out = execFileSync('node', ['probe.mjs'], { cwd: project, encoding: 'utf8' });
        expect(out).toContain(`imported ${p.entries.length}`);
      }
      if (p.bin) {
        const out = execFileSync(join(project, 'node_modules', '.bin', p.bin), ['--version'], {
          encoding: 'utf8',
        });
        expect(out.trim()).toMatch(/^\d+\.\d+\.\d+/);
      }
    });
  }
});
