// The Switchyard process the scripts bench measures: one route, as built-in rules or as a trivial router script.
// Usage: node scripts-server.js <listenPort> <originPort> <rules|inline|worker> <scriptFile>
import { loadConfig, type ConfigInput } from '@switchyard/config';
import { startProxyNode } from '@switchyard/actors';

const [listenPort, originPort, mode = 'rules', scriptFile = ''] = process.argv.slice(2);
const upstreams = ['origin', 'canary'].map((name) => ({ name, targets: [{ address: `127.0.0.1:${originPort}` }], pool: { maxIdle: 256 } }));
// The same decision both ways: `x-canary: 1` goes to `canary`, everything else to `origin`.
const routes: ConfigInput['routes'] =
  mode === 'rules'
    ? [
        { name: 'canary', priority: 1, match: { headers: { 'x-canary': '1' } }, forward: { upstream: 'canary' } },
        { name: 'all', priority: 2, forward: { upstream: 'origin' } },
      ]
    : [{ name: 'scripted', script: { path: scriptFile, isolation: mode === 'worker' ? 'worker' : 'inline', budget: '1s', watch: false } }];
const config = loadConfig({
  listeners: [{ name: 'bench', address: `127.0.0.1:${listenPort}` }],
  routes,
  upstreams,
  server: { accessLog: { enabled: false } },
});
const node = await startProxyNode(config, { nodeName: 'bench' });
process.stdout.write(`listening on ${node.listeners()[0]?.port}\n`);
const stop = (): void => {
  void node.close({ graceMs: 500 }).then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
