// TCP: bulk throughput and new connections per second through Switchyard, HAProxy (mode tcp), nginx stream and a bare node pipe.
import { startNginxTcpProxy, startHaproxyTcpProxy } from './nginx-haproxy.js';
import { startNodeServer } from './peers.js';
import { probeTcpCount } from './probes.js';
import { startSwitchyardConfig } from './switchyard.js';
import { ORIGIN_CPU, PROXY_CPU, runLoad, runSection, type Goal, type ScenarioDef, type SectionResult, type Settings, type TargetDef } from './harness.js';

export const TCP_GOALS: readonly Goal[] = [{ section: 'tcp', scenario: 'bulk', target: 'switchyard', peer: 'node-pipe', atLeast: 0.9 }];

const CONNECT_LOOPS = 50;
const WARMUP_BULK_BYTES = 64 * 1024 * 1024;
const PROBE_BYTES = 1024 * 1024 + 7;
/** A 1 GiB transfer slower than 8 MB/s is a failure, not a figure. */
const BULK_LIMIT_SEC = 120;

export async function runTcp(settings: Settings): Promise<SectionResult> {
  const origin = await startNodeServer('tcp-origin', 'tcp-origin', { cpu: ORIGIN_CPU });
  console.log(`tcp: origin is a node byte counter on 127.0.0.1:${origin.port} (pid ${origin.pid})`);
  const placement = { cpu: PROXY_CPU };
  const check = async (target: { port: number }): Promise<string | undefined> => probeTcpCount(target.port, PROBE_BYTES);
  const targets: TargetDef[] = [
    { name: 'node-pipe', start: () => startNodeServer('node-pipe', 'tcp-pipe', placement, origin.port), check },
    { name: 'haproxy', start: () => startHaproxyTcpProxy(origin.port, placement), check },
    { name: 'nginx', start: () => startNginxTcpProxy(origin.port, placement), check },
    {
      name: 'switchyard',
      start: () =>
        startSwitchyardConfig(
          'switchyard-tcp',
          {
            listeners: [{ name: 'tcp', protocol: 'tcp', address: '127.0.0.1:0' }],
            routes: [{ name: 'all', listeners: ['tcp'], forward: { upstream: 'origin' } }],
            upstreams: [{ name: 'origin', targets: [{ address: `127.0.0.1:${origin.port}` }] }],
          },
          'tcp',
          placement,
        ),
      check,
    },
  ];
  const gib = settings.bulkBytes / 1024 ** 3;
  const scenarios: ScenarioDef[] = [
    {
      name: 'bulk',
      description: `${gib >= 1 ? `${gib} GiB` : `${settings.bulkBytes / 1024 ** 2} MiB`} client -> origin on one connection, then a FIN and the origin's byte count back`,
      unit: 'MB/s',
      peers: ['node-pipe', 'haproxy'],
      warmUp: async (target) => void (await runLoad('tcp-bulk', target.port, { bytes: WARMUP_BULK_BYTES, streams: 1 }, BULK_LIMIT_SEC)),
      async measure(target) {
        const result = await runLoad('tcp-bulk', target.port, { bytes: settings.bulkBytes, streams: 1 }, BULK_LIMIT_SEC);
        return { value: result.opsPerSec / 1e6, latencyMs: null, errors: 0, detail: { bytes: result.ops, seconds: result.durationSec } };
      },
    },
    {
      name: 'connect',
      description: `new connections/s: ${CONNECT_LOOPS} loops of connect, 1 byte and a FIN up, "1\\n" and a FIN back, close; ${settings.durationSec}s`,
      unit: 'conn/s',
      peers: ['node-pipe', 'haproxy'],
      warmUp: async (target) => void (await runLoad('tcp-connect', target.port, { connections: CONNECT_LOOPS, duration: settings.warmupSec }, settings.warmupSec)),
      async measure(target) {
        const result = await runLoad('tcp-connect', target.port, { connections: CONNECT_LOOPS, duration: settings.durationSec }, settings.durationSec);
        return { value: result.opsPerSec, latencyMs: result.latencyMs, errors: result.errors, detail: { ...result.detail, connections: result.ops } };
      },
    },
  ];
  try {
    return { reports: await runSection('tcp', targets, scenarios, origin.pid, settings.rounds), notes: [] };
  } finally {
    await origin.stop();
  }
}
