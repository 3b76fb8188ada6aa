// The Switchyard process the L4 bench measures: one node started from a config file, nothing else.
// Usage: node switchyard-l4-server.js <config.json>
// Prints "listening {"<listener>":<port>,...}" once every listener is bound (ports may be 0 in the
// config); exits when stdin ends (the harness went away), on SIGTERM or on SIGINT.
import { readFileSync } from 'node:fs';
import { startProxyNode, tuneHeapForRelaying } from '@switchyard/actors';
import { loadConfig } from '@switchyard/config';

const configPath = process.argv[2];
if (configPath === undefined) {
  process.stderr.write('usage: switchyard-l4-server <config.json>\n');
  process.exit(2);
}
// As `switchyard run` does (adapters/src/cli/main.ts).
tuneHeapForRelaying();
const node = await startProxyNode(loadConfig(JSON.parse(readFileSync(configPath, 'utf8'))), { nodeName: 'bench' });
const ports = Object.fromEntries(node.listeners().map((l) => [l.name, l.port]));
process.stdout.write(`listening ${JSON.stringify(ports)}\n`);

let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  void node.close({ graceMs: 500 }).finally(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdin.on('end', stop);
process.stdin.resume();
