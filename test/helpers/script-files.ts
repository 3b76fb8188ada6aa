// Router script files in a temp folder, for the scripted-route suites.
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Closers } from './closers.js';

export interface ScriptFiles {
  readonly dir: string;
  /** Writes (or atomically replaces, as editors do) `name` and returns its absolute path. */
  write(name: string, text: string): string;
}

/** A temp folder for router scripts, removed by `closers`. */
export function scriptFiles(closers: Closers): ScriptFiles {
  const dir = mkdtempSync(path.join(tmpdir(), 'sy-routers-'));
  closers.add(() => rmSync(dir, { recursive: true, force: true }));
  let seq = 0;
  return {
    dir,
    write(name, text) {
      const file = path.join(dir, name);
      const temp = path.join(dir, `.${name}.${++seq}.writing`);
      writeFileSync(temp, text);
      renameSync(temp, file);
      return file;
    },
  };
}

/** Resolves when `check` holds, polling every 10 ms; rejects after `timeoutMs`. */
export async function waitFor(check: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
