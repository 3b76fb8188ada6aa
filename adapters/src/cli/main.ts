#!/usr/bin/env node
// Entry point of the `switchyard` command: runs the command line, then exits with its status.
import { tuneHeapForRelaying } from '@switchyard/actors';
import { runCli } from './cli.js';
import { processIo } from './cli-io.js';

// Before anything serves; cluster workers run this file too (see tuneHeapForRelaying for why).
tuneHeapForRelaying();
const code = await runCli(process.argv.slice(2), processIo());
// Let piped output drain before exiting: process.exit does not wait for pending async writes.
await Promise.all([process.stdout, process.stderr].map((s) => new Promise<void>((resolve) => s.write('', () => resolve()))));
process.exit(code);
