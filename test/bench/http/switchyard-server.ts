// The Switchyard process the HTTP bench measures: one node, one listener, one upstream, nothing else.
// Usage: node switchyard-server.js <listenPort> <originPort[,originPort...]> [--events] [--health]
import { loadConfig } from '@switchyard/config';
import { startProxyNode } from '@switchyard/actors';

const [listenPort, originPorts = '', ...flags] = process.argv.slice(2);
const withEvents = flags.includes('--events');
const withHealth = flags.includes('--health');
const config = loadConfig({
  listeners: [{ name: 'bench', address: `127.0.0.1:${listenPort}` }],
  routes: [{ name: 'all', forward: { upstream: 'origin' } }],
  upstreams: [
    {
      name: 'origin',
      targets: originPorts.split(',').map((port) => ({ address: `127.0.0.1:${port}` })),
      pool: { maxIdle: 256 },
      ...(withHealth ? { healthCheck: { type: 'http' as const, path: '/' } } : {}),
    },
  ],
  server: { accessLog: { enabled: false } },
});
const node = await startProxyNode(config, { nodeName: 'bench' });
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
  void node.close({ graceMs: 500 }).then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
