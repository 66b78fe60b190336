import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** A public (publishable) workspace package and the import specifiers it exports. */
export interface PublicPackage {
  name: string;
  dir: string;
  /** Specifiers to import: the package itself and each subpath in its exports map. */
  entries: string[];
  /** The bin name, for packages that ship a command. */
  bin?: string;
  /** Names of the @convkit packages it depends on (dependencies and peers). */
  convkitDeps: string[];
}

/** Every package under packages/ and apps/ that is not private, with its export entries. */
export function publicPackages(root: string): PublicPackage[] {
  const found: PublicPackage[] = [];
  for (const group of ['packages', 'apps']) {
    for (const folder of readdirSync(join(root, group))) {
      const dir = join(root, group, folder);
      let pkg: {
        name: string;
        private?: boolean;
        exports?: Record<string, unknown>;
        bin?: Record<string, string>;
        dependencies?: Record<string, string>;
        peerDependencies?: Record<string, string>;
      };
      try {
        pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      } catch {
        continue;
      }
      if (pkg.private) continue;
      const subpaths = Object.keys(pkg.exports ?? {}).filter((k) => k !== './package.json');
      found.push({
        name: pkg.name,
        dir,
        entries: subpaths.map((k) => (k === '.' ? pkg.name : `${pkg.name}/${k.slice(2)}`)),
        bin: pkg.bin ? Object.keys(pkg.bin)[0] : undefined,
        convkitDeps: Object.keys({ ...pkg.dependencies, ...pkg.peerDependencies }).filter((d) =>
          d.startsWith('@convkit/'),
        ),
      });
    }
  }
  return found;
}

/** The @convkit packages `name` needs, directly or through others, itself excluded. */
export function convkitClosure(name: string, packages: PublicPackage[]): string[] {
  const byName = new Map(packages.map((p) => [p.name, p]));
  const seen = new Set<string>();
  const visit = (n: string) => {
    for (const dep of byName.get(n)?.convkitDeps ?? []) {
      if (!seen.has(dep)) {
        seen.add(dep);
        visit(dep);
      }
    }
  };
  visit(name);
  seen.delete(name);
  return [...seen];
}
