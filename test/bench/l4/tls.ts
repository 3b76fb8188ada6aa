// TLS termination: full handshakes per second and keep-alive req/s over HTTPS, Switchyard against nginx with the same certificate.
import { SMALL_BODY, startNginxOrigin } from '../http/nginx.js';
import type { RunningTarget } from '../http/target.js';
import { runWrk } from '../http/wrk.js';
import { CERT_NAME, makeBenchCertificate } from './certificate.js';
import { LOAD_CPU, ORIGIN_CPU, PROXY_CPU, runLoad, runSection, type ScenarioDef, type SectionResult, type Settings, type TargetDef } from './harness.js';
import { startNginxHttpsProxy, startNginxStreamTls } from './nginx-haproxy.js';
import { probeTlsGet } from './probes.js';
import { startSwitchyardConfig } from './switchyard.js';

const HANDSHAKE_LOOPS = 50;
const WRK_CONNECTIONS = 50;

export async function runTls(settings: Settings): Promise<SectionResult> {
  const cert = makeBenchCertificate();
  const files = { certPath: cert.certPath, keyPath: cert.keyPath };
  const origin = await startNginxOrigin({ cpu: ORIGIN_CPU });
  console.log(`tls: origin is the HTTP bench's nginx on 127.0.0.1:${origin.port} (pid ${origin.pid}); certificate: P-256 self-signed for ${CERT_NAME}`);
  const placement = { cpu: PROXY_CPU };
  const upstream = { name: 'origin', targets: [{ address: `127.0.0.1:${origin.port}` }], pool: { maxIdle: 256 } };
  const certificates = [{ cert: cert.certPath, key: cert.keyPath }];
  /** Protocol and cipher each target negotiated in its check, by port. */
  const negotiated = new Map<number, string>();
  const check = async (target: RunningTarget): Promise<string | undefined> => {
    const probe = await probeTlsGet(target.port, CERT_NAME, cert.cert, SMALL_BODY);
    negotiated.set(target.port, probe.negotiated);
    return probe.problem;
  };
  const targets: TargetDef[] = [
    { name: 'nginx', start: () => startNginxHttpsProxy(origin.port, files, placement), check },
    {
      name: 'switchyard',
      start: () =>
        startSwitchyardConfig(
          'switchyard-https',
          { listeners: [{ name: 'https', protocol: 'https', address: '127.0.0.1:0', tls: { certificates } }], routes: [{ name: 'all', forward: { upstream: 'origin' } }], upstreams: [upstream] },
          'https',
          placement,
        ),
      check,
    },
    { name: 'nginx-stream', start: () => startNginxStreamTls(origin.port, files, placement), check },
    {
      name: 'switchyard-tls',
      start: () =>
        startSwitchyardConfig(
          'switchyard-tls',
          {
            listeners: [{ name: 'tls', protocol: 'tls', address: '127.0.0.1:0', tls: { certificates } }],
            routes: [{ name: 'all', listeners: ['tls'], forward: { upstream: 'origin' } }],
            upstreams: [upstream],
          },
          'tls',
          placement,
        ),
      check,
    },
  ];
  const handshakes = (durationSec: number): Record<string, string | number> => ({ connections: HANDSHAKE_LOOPS, duration: durationSec, servername: CERT_NAME });
  const wrk = (target: RunningTarget, durationSec: number): ReturnType<typeof runWrk> =>
    runWrk({ url: `https://127.0.0.1:${target.port}/`, connections: WRK_CONNECTIONS, threads: 1, durationSec, cpu: LOAD_CPU });
  const scenarios: ScenarioDef[] = [
    {
      name: 'handshake',
      description:
        `full TLS handshakes/s: ${HANDSHAKE_LOOPS} node loops, each a new connection (no session resumption) carrying one GET / with Connection: close; ` +
        `${settings.durationSec}s. nginx and switchyard terminate HTTPS; nginx-stream and switchyard-tls terminate TLS and relay the bytes`,
      unit: 'hs/s',
      peers: ['nginx', 'nginx-stream'],
      extraColumns: ['tls'],
      warmUp: async (target) => void (await runLoad('tls-connect', target.port, handshakes(settings.warmupSec), settings.warmupSec)),
      async measure(target) {
        const result = await runLoad('tls-connect', target.port, handshakes(settings.durationSec), settings.durationSec);
        return {
          value: result.opsPerSec,
          latencyMs: result.latencyMs,
          errors: result.errors,
          extra: { tls: negotiated.get(target.port) ?? '-' },
          detail: { ...result.detail, handshakes: result.ops },
        };
      },
    },
    {
      name: 'keepalive',
      description: `GET / on kept-alive HTTPS connections, wrk -t1 -c${WRK_CONNECTIONS}; ${settings.durationSec}s`,
      unit: 'req/s',
      peers: ['nginx', 'nginx-stream'],
      warmUp: async (target) => void (await wrk(target, settings.warmupSec)),
      async measure(target) {
        const result = await wrk(target, settings.durationSec);
        return { value: result.requestsPerSec, latencyMs: result.latencyMs, errors: result.errors.total, detail: { requests: result.requests, errors: result.errors } };
      },
    },
  ];
  try {
    return { reports: await runSection('tls', targets, scenarios, origin.pid, settings.rounds), notes: [] };
  } finally {
    await origin.stop();
  }
}
