// Locates the repository from a compiled bench file, so non-TypeScript assets are read from the source tree.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const MAX_LEVELS = 12;

/**
 * The monorepo root: the nearest ancestor of this file whose package.json declares `workspaces`.
 * Works the same from `test/bench/http/*.ts` and from `test/dist/bench/http/*.js`.
 */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let level = 0; level < MAX_LEVELS; level++) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && hasWorkspaces(manifest)) return dir;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new Error(`bench: no package.json with "workspaces" above ${fileURLToPath(import.meta.url)}`);
}

/** `test/bench` in the source tree (assets such as Lua scripts, and the results folder). */
export function benchSourceDir(): string {
  return join(repoRoot(), 'test', 'bench');
}

function hasWorkspaces(manifest: string): boolean {
  try {
    const parsed: unknown = JSON.parse(readFileSync(manifest, 'utf8'));
    return typeof parsed === 'object' && parsed !== null && 'workspaces' in parsed;
  } catch {
    return false;
  }
}
