// WebSocket: echoed messages per second over 100 connections through Switchyard and nginx, to one `ws` echo origin.
import { startNginxWsProxy } from './nginx-haproxy.js';
import { startNodeServer } from './peers.js';
import { probeWsEcho } from './probes.js';
import { startSwitchyardConfig } from './switchyard.js';
import { ORIGIN_CPU, PROXY_CPU, figuresOf, runLoad, runSection, type Goal, type ScenarioDef, type SectionResult, type Settings, type TargetDef } from './harness.js';

export const WS_GOALS: readonly Goal[] = [{ section: 'ws', scenario: 'echo', target: 'switchyard', peer: 'nginx', atLeast: 1 }];

const WS_CONNECTIONS = 100;
const MESSAGE_BYTES = 64;

export async function runWs(settings: Settings): Promise<SectionResult> {
  const origin = await startNodeServer('ws-origin', 'ws-echo', { cpu: ORIGIN_CPU });
  console.log(`ws: origin is a ws echo server on 127.0.0.1:${origin.port} (pid ${origin.pid})`);
  const placement = { cpu: PROXY_CPU };
  const check = (target: { port: number }): Promise<string | undefined> => probeWsEcho(target.port);
  const targets: TargetDef[] = [
    { name: 'nginx', start: () => startNginxWsProxy(origin.port, placement), check },
    {
      name: 'switchyard',
      start: () =>
        startSwitchyardConfig(
          'switchyard-ws',
          {
            listeners: [{ name: 'web', address: '127.0.0.1:0' }],
            routes: [{ name: 'all', forward: { upstream: 'origin' } }],
            upstreams: [{ name: 'origin', targets: [{ address: `127.0.0.1:${origin.port}` }] }],
          },
          'web',
          placement,
        ),
      check,
    },
  ];
  const load = (durationSec: number): Record<string, number> => ({ connections: WS_CONNECTIONS, duration: durationSec, size: MESSAGE_BYTES });
  const scenarios: ScenarioDef[] = [
    {
      name: 'echo',
      description:
        `${WS_CONNECTIONS} connections, one ${MESSAGE_BYTES}-byte text message in flight on each, the next sent when its echo arrives ` +
        `(each message crosses the proxy twice); ${settings.durationSec}s`,
      unit: 'msg/s',
      peers: ['nginx'],
      warmUp: async (target) => void (await runLoad('ws', target.port, load(settings.warmupSec), settings.warmupSec)),
      measure: async (target) => figuresOf(await runLoad('ws', target.port, load(settings.durationSec), settings.durationSec)),
    },
  ];
  try {
    return { reports: await runSection('ws', targets, scenarios, origin.pid, settings.rounds), notes: [] };
  } finally {
    await origin.stop();
  }
}
