// UDP: datagram round trips per second relayed by Switchyard, a bare node dgram relay and nginx stream udp, to one echo origin.
import { startNginxUdpProxy } from './nginx-haproxy.js';
import { startNodeServer } from './peers.js';
import { probeUdpEcho } from './probes.js';
import { startSwitchyardConfig } from './switchyard.js';
import { ORIGIN_CPU, PROXY_CPU, figuresOf, runLoad, runSection, type ScenarioDef, type SectionResult, type Settings, type TargetDef } from './harness.js';

const FLOWS = 32;
const DATAGRAM_BYTES = 64;

export async function runUdp(settings: Settings): Promise<SectionResult> {
  const origin = await startNodeServer('udp-origin', 'udp-echo', { cpu: ORIGIN_CPU });
  console.log(`udp: origin is a node dgram echo on 127.0.0.1:${origin.port} (pid ${origin.pid})`);
  const placement = { cpu: PROXY_CPU };
  const check = (target: { port: number }): Promise<string | undefined> => probeUdpEcho(target.port);
  const targets: TargetDef[] = [
    { name: 'node-relay', start: () => startNodeServer('node-relay', 'udp-relay', placement, origin.port), check },
    { name: 'nginx', start: () => startNginxUdpProxy(origin.port, placement), check },
    {
      name: 'switchyard',
      start: () =>
        startSwitchyardConfig(
          'switchyard-udp',
          {
            listeners: [{ name: 'udp', protocol: 'udp', address: '127.0.0.1:0' }],
            routes: [{ name: 'all', listeners: ['udp'], forward: { upstream: 'origin' } }],
            upstreams: [{ name: 'origin', targets: [{ address: `127.0.0.1:${origin.port}` }] }],
          },
          'udp',
          placement,
        ),
      check,
    },
  ];
  const load = (durationSec: number): Record<string, number> => ({ connections: FLOWS, duration: durationSec, size: DATAGRAM_BYTES });
  const scenarios: ScenarioDef[] = [
    {
      name: 'echo',
      description:
        `${FLOWS} client flows, one ${DATAGRAM_BYTES}-byte datagram in flight on each, the next sent on its echo ` +
        `(a round trip is 2 datagrams relayed; datagrams relayed/s = 2 x rt/s; one lost counts as an error after 100 ms); ${settings.durationSec}s`,
      unit: 'rt/s',
      peers: ['node-relay', 'nginx'],
      warmUp: async (target) => void (await runLoad('udp', target.port, load(settings.warmupSec), settings.warmupSec)),
      measure: async (target) => figuresOf(await runLoad('udp', target.port, load(settings.durationSec), settings.durationSec)),
    },
  ];
  try {
    return { reports: await runSection('udp', targets, scenarios, origin.pid, settings.rounds), notes: [] };
  } finally {
    await origin.stop();
  }
}
