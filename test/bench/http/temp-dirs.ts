// Temporary directories for server prefixes and configs, removed together at the end of a run.
import { mkdtempSync, rmSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const created = new Set<string>();

/** Creates `<tmp>/switchyard-bench-<label>-XXXXXX`, tracked for {@link removeTempDirs}. */
export function makeTempDir(label: string): string {
  const dir = mkdtempSync(join(tmpdir(), `switchyard-bench-${label}-`));
  // Readable by others: servers started as root may drop privileges for their workers.
  chmodSync(dir, 0o755);
  created.add(dir);
  return dir;
}

/** Removes every directory made by {@link makeTempDir}; safe to call more than once. */
export function removeTempDirs(): void {
  for (const dir of created) {
    rmSync(dir, { recursive: true, force: true });
    created.delete(dir);
  }
}
