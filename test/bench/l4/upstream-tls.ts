// Upstream TLS reuse (chocon's point): Switchyard to an HTTPS origin over pooled kept-alive TLS connections, against a new TLS connection per request.
import { SMALL_BODY } from '../http/nginx.js';
import { get } from '../http/probe.js';
import { formatMs } from '../http/table.js';
import type { RunningTarget } from '../http/target.js';
import { runWrk, type WrkResult } from '../http/wrk.js';
import { CERT_NAME, makeBenchCertificate } from './certificate.js';
import { LOAD_CPU, ORIGIN_CPU, PROXY_CPU, runSection, type ScenarioDef, type ScenarioReport, type SectionResult, type Settings, type TargetDef } from './harness.js';
import { startNginxHttpsOrigin } from './nginx-haproxy.js';
import { startSwitchyardConfig } from './switchyard.js';

const POOLED = 'pooled';
const NEW_PER_REQUEST = 'new-per-request';

/** Unloaded latency (one request at a time) and throughput (50 at a time). */
const LOADS = [
  { name: 'c1', connections: 1 },
  { name: 'c50', connections: 50 },
] as const;

export async function runUpstreamTls(settings: Settings): Promise<SectionResult> {
  const cert = makeBenchCertificate();
  const origin = await startNginxHttpsOrigin({ certPath: cert.certPath, keyPath: cert.keyPath }, { cpu: ORIGIN_CPU });
  console.log(`upstream-tls: origin is nginx over TLS on 127.0.0.1:${origin.port} (pid ${origin.pid}); the proxy verifies its certificate (ca, servername ${CERT_NAME})`);
  const placement = { cpu: PROXY_CPU };
  const switchyard = (name: string, maxIdle: number) => (): Promise<RunningTarget> =>
    startSwitchyardConfig(
      `switchyard-${name}`,
      {
        listeners: [{ name: 'web', address: '127.0.0.1:0' }],
        routes: [{ name: 'all', forward: { upstream: 'origin' } }],
        upstreams: [{ name: 'origin', targets: [{ address: `127.0.0.1:${origin.port}` }], tls: { ca: cert.certPath, servername: CERT_NAME }, pool: { maxIdle } }],
      },
      'web',
      placement,
    );
  const check = async (target: RunningTarget): Promise<string | undefined> => {
    const res = await get(target.port, '/');
    const body = res.body.toString('utf8');
    return res.status === 200 && body === SMALL_BODY ? undefined : `status ${res.status}, body ${JSON.stringify(body.slice(0, 80))}`;
  };
  const targets: TargetDef[] = [
    { name: POOLED, start: switchyard(POOLED, 256), check },
    { name: NEW_PER_REQUEST, start: switchyard(NEW_PER_REQUEST, 0), check },
  ];
  const wrk = (target: RunningTarget, connections: number, durationSec: number): Promise<WrkResult> =>
    runWrk({ url: `http://127.0.0.1:${target.port}/`, connections, threads: 1, durationSec, cpu: LOAD_CPU });
  const scenarios: ScenarioDef[] = LOADS.map((load) => ({
    name: load.name,
    description:
      `GET / through Switchyard (client keep-alive, wrk -t1 -c${load.connections}) to the HTTPS origin; ${POOLED}: pool maxIdle 256, ` +
      `${NEW_PER_REQUEST}: pool maxIdle 0; "tls conns/req" is the origin's accepted connections per request; ${settings.durationSec}s`,
    unit: 'req/s',
    peers: [POOLED],
    extraColumns: ['tls conns/req'],
    warmUp: async (target) => void (await wrk(target, load.connections, settings.warmupSec)),
    async measure(target) {
      const acceptsBefore = await originAccepts(origin.statusPort);
      const result = await wrk(target, load.connections, settings.durationSec);
      const accepted = (await originAccepts(origin.statusPort)) - acceptsBefore - 1;
      const perRequest = result.requests > 0 ? accepted / result.requests : 0;
      return {
        value: result.requestsPerSec,
        latencyMs: result.latencyMs,
        errors: result.errors.total,
        extra: { 'tls conns/req': perRequest.toFixed(2) },
        detail: { requests: result.requests, originConnections: accepted, latencyMs: result.latencyMs, errors: result.errors },
      };
    },
  }));
  try {
    const reports = await runSection('upstream-tls', targets, scenarios, origin.pid, settings.rounds);
    return { reports, notes: savings(reports) };
  } finally {
    await origin.stop();
  }
}

/** How much pooling saves per load: latency removed and throughput gained. */
function savings(reports: readonly ScenarioReport[]): string[] {
  return reports.flatMap((report) => {
    const pooled = report.rows.find((r) => r.target === POOLED)?.figures;
    const fresh = report.rows.find((r) => r.target === NEW_PER_REQUEST)?.figures;
    if (pooled?.latencyMs == null || fresh?.latencyMs == null) return [];
    const saved = (key: 'p50' | 'p99'): string =>
      `${key} ${formatMs((fresh.latencyMs?.[key] ?? 0) - (pooled.latencyMs?.[key] ?? 0))} ms (${formatMs(fresh.latencyMs?.[key] ?? 0)} -> ${formatMs(pooled.latencyMs?.[key] ?? 0)})`;
    return [`saving from pooled upstream TLS, ${report.name}: ${saved('p50')}, ${saved('p99')}, req/s x${(pooled.value / fresh.value).toFixed(2)}`];
  });
}

/** nginx's stub_status `accepts`: connections accepted since start (the status request itself included). */
async function originAccepts(statusPort: number): Promise<number> {
  const res = await get(statusPort, '/status');
  const match = /server accepts handled requests\s+(\d+)/.exec(res.body.toString('utf8'));
  if (match === null) throw new Error(`origin /status: unexpected ${JSON.stringify(res.body.toString('utf8'))}`);
  return Number(match[1]);
}
