// The Switchyard process the HTTP bench measures: one node, one listener, one upstream, nothing else.
// Usage: node switchyard-server.js <listenPort> <originPort> [--events]
import { loadConfig } from '@switchyard/config';
import { startProxyNode } from '@switchyard/actors';

const [listenPort, originPort, flag] = process.argv.slice(2);
const config = loadConfig({
  listeners: [{ name: 'bench', address: `127.0.0.1:${listenPort}` }],
  routes: [{ name: 'all', forward: { upstream: 'origin' } }],
  upstreams: [{ name: 'origin', targets: [{ address: `127.0.0.1:${originPort}` }], pool: { maxIdle: 256 } }],
  server: { accessLog: { enabled: false } },
});
const node = await startProxyNode(config, { nodeName: 'bench' });
let events = 0;
if (flag === '--events') {
  // A subscriber on every lifecycle event: the cost of an observable connection.
  node.bus.onPrefix('').subscribe(() => {
    events++;
  });
}
process.stdout.write(`listening on ${node.listeners()[0]?.port}\n`);
const stop = (): void => {
  if (flag === '--events') process.stderr.write(`events seen: ${events}\n`);
  void node.close({ graceMs: 500 }).then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
