// Temporary script files for the script runtime's tests.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** A temp folder holding script files; `remove()` deletes it. */
export class ScriptDir {
  readonly dir = mkdtempSync(path.join(tmpdir(), 'sy-scripts-'));

  write(name: string, text: string): string {
    const file = path.join(this.dir, name);
    writeFileSync(file, text);
    return file;
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
