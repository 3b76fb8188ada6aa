#!/usr/bin/env node
// The `switchyard` command. Builds the workspace on first use (a fresh `npm ci` has no dist/ yet), then runs the CLI.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const main = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(main))) {
  const require = createRequire(import.meta.url);
  const tsc = require.resolve('typescript/bin/tsc');
  const root = fileURLToPath(new URL('../..', import.meta.url));
  process.stderr.write('switchyard: first run, building the workspace (tsc -b)...\n');
  execFileSync(process.execPath, [tsc, '-b', root], { stdio: 'inherit' });
}
await import(main.href);
