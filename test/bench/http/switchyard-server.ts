// The Switchyard process the HTTP bench measures: one node, one listener, one upstream, nothing else.
// Usage: node switchyard-server.js <listenPort> <originPort[,originPort...]> [--events] [--health [--health-interval-ms <ms>]] [--ws-subscriber <adminPort>]
// --ws-subscriber: also the admin listener (metrics, /events) on adminPort, for an event-stream client to subscribe.
import { loadConfig } from '@switchyard/config';
import { startProxyNode, tuneHeapForRelaying } from '@switchyard/actors';
import { startAdminServer } from '@switchyard/adapters';

const [listenPort, originPorts = '', ...flags] = process.argv.slice(2);
const withEvents = flags.includes('--events');
const withHealth = flags.includes('--health');
const wsAt = flags.indexOf('--ws-subscriber');
const adminPort = wsAt < 0 ? undefined : flags[wsAt + 1];
const intervalAt = flags.indexOf('--health-interval-ms');
const healthIntervalMs = intervalAt < 0 ? undefined : Number(flags[intervalAt + 1]);
const config = loadConfig({
  listeners: [{ name: 'bench', address: `127.0.0.1:${listenPort}` }],
  routes: [{ name: 'all', forward: { upstream: 'origin' } }],
  upstreams: [
    {
      name: 'origin',
      targets: originPorts.split(',').map((port) => ({ address: `127.0.0.1:${port}` })),
      pool: { maxIdle: 256 },
      ...(withHealth ? { healthCheck: { type: 'http' as const, path: '/', ...(healthIntervalMs === undefined ? {} : { interval: healthIntervalMs }) } } : {}),
    },
  ],
  server: { accessLog: { enabled: false } },
  ...(adminPort === undefined ? {} : { admin: { address: `127.0.0.1:${adminPort}` } }),
});
// As `switchyard run` does (adapters/src/cli/main.ts).
tuneHeapForRelaying();
const node = await startProxyNode(config, { nodeName: 'bench' });
const admin = config.admin === undefined ? undefined : await startAdminServer({ node, config: config.admin });
let events = 0;
if (withEvents) {
  // A subscriber on every lifecycle event: the cost of an observable connection.
  node.bus.onPrefix('').subscribe(() => {
    events++;
  });
}
process.stdout.write(`listening on ${node.listeners()[0]?.port}\n`);
const stop = (): void => {
  if (withEvents) process.stderr.write(`events seen: ${events}\n`);
  void node
    .close({ graceMs: 500 })
    .then(() => admin?.close())
    .then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
