// The import rules between packages: adapters → actors → core, config → core, and no I/O in core.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

export type PackageName = 'core' | 'config' | 'actors' | 'adapters';

/** Which workspace packages each package may import. */
export const ALLOWED: Record<PackageName, readonly PackageName[]> = {
  core: [],
  config: ['core'],
  actors: ['core', 'config'],
  adapters: ['core', 'config', 'actors'],
};

/** Modules that do I/O: core imports none of them, so it runs on a virtual clock and in-memory transport. */
export const IO_MODULES = new Set([
  'net', 'dgram', 'tls', 'http', 'https', 'http2', 'fs', 'fs/promises', 'child_process', 'cluster', 'worker_threads',
  'ws', 'nats', 'msgpackr',
]);

export interface Violation {
  file: string;
  specifier: string;
  rule: string;
}

/** The module specifiers a TypeScript source imports or re-exports, found by the compiler's own scanner. */
export function importsOf(source: string): string[] {
  return ts.preProcessFile(source, true, true).importedFiles.map((f) => f.fileName);
}

/** Checks one file of `pkg` (path relative to the repo root) and returns every broken rule. */
export function checkFile(pkg: PackageName, file: string, source: string): Violation[] {
  const violations: Violation[] = [];
  for (const specifier of importsOf(source)) {
    const bare = specifier.startsWith('node:') ? specifier.slice(5) : specifier;
    if (pkg === 'core' && IO_MODULES.has(bare)) {
      violations.push({ file, specifier, rule: 'core imports no I/O' });
    }
    const target = /^@switchyard\/([a-z]+)/.exec(specifier)?.[1] as PackageName | undefined;
    if (target !== undefined && target !== pkg && !ALLOWED[pkg].includes(target)) {
      violations.push({ file, specifier, rule: `${pkg} may import only ${ALLOWED[pkg].join(', ') || 'nothing of ours'}` });
    }
    if (specifier.startsWith('.')) {
      const resolved = path.normalize(path.join(path.dirname(file), specifier));
      const top = resolved.split(path.sep)[0];
      if (top !== pkg) violations.push({ file, specifier, rule: 'reach other packages by name, never by relative path' });
    }
  }
  return violations;
}

/** Every .ts source of a package outside dist and node_modules, relative to the repo root. */
export function sourcesOf(repoRoot: string, pkg: PackageName): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(path.join(repoRoot, dir))) {
      if (entry === 'dist' || entry === 'node_modules') continue;
      const rel = path.join(dir, entry);
      if (statSync(path.join(repoRoot, rel)).isDirectory()) walk(rel);
      else if (entry.endsWith('.ts') && !entry.endsWith('.d.ts')) out.push(rel);
    }
  };
  walk(pkg);
  return out;
}

export function checkRepo(repoRoot: string): Violation[] {
  const packages = Object.keys(ALLOWED) as PackageName[];
  return packages.flatMap((pkg) =>
    sourcesOf(repoRoot, pkg).flatMap((file) => checkFile(pkg, file, readFileSync(path.join(repoRoot, file), 'utf8'))),
  );
}
