// Scripted routing cost: the same route as built-in rules, as an inline router script, and as a worker router.
// Usage: node test/dist/bench/scripts/run.js [--duration 5s] [--rounds 3] [--connections 50]
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { sampleCpu, usageBetween } from '../http/cpu-usage.js';
import { freePort } from '../http/free-port.js';
import { SMALL_BODY, startNginxOrigin } from '../http/nginx.js';
import { repoRoot } from '../http/paths.js';
import { get } from '../http/probe.js';
import { canPin, spawnTracked, stopAllProcesses, waitForPort } from '../http/processes.js';
import { formatInteger, formatMs, formatTable, type Column } from '../http/table.js';
import { makeTempDir, removeTempDirs } from '../http/temp-dirs.js';
import { runWrk, type WrkResult } from '../http/wrk.js';

const WRK_CPU = 0;
const PROXY_CPU = 1;
const ORIGIN_CPU = 0;
const SERVER_ENTRY = join(repoRoot(), 'test', 'dist', 'bench', 'scripts', 'scripts-server.js');

/** The trivial router: one header read, one decision, what the `rules` mode does with two routes. */
const ROUTER = `import { defineRouter } from '@switchyard/actors';
export default defineRouter({
  decide: (req) => ({ kind: 'forward', upstream: req.header('x-canary') === '1' ? 'canary' : 'origin' }),
});
`;

type Mode = 'rules' | 'inline' | 'worker';
const MODES: readonly Mode[] = ['rules', 'inline', 'worker'];

function parseDurationSec(text: string): number {
  const m = /^(\d+)(s|m)?$/.exec(text);
  if (m === null) throw new Error(`bad duration ${text}`);
  return Number(m[1]) * (m[2] === 'm' ? 60 : 1);
}

interface Measured extends WrkResult {
  /** CPU time of the proxy process (worker threads included) per request, in microseconds. */
  cpuUsPerRequest: number;
}

async function measure(mode: Mode, originPort: number, scriptFile: string, durationSec: number, connections: number): Promise<Measured> {
  const port = await freePort();
  const proc = spawnTracked(`switchyard-${mode}`, process.execPath, [SERVER_ENTRY, String(port), String(originPort), mode, scriptFile], canPin ? { cpu: PROXY_CPU, keepStdinOpen: true } : { keepStdinOpen: true });
  try {
    await waitForPort(port, proc);
    const probe = await get(port, '/', {});
    if (probe.body.toString() !== SMALL_BODY) throw new Error(`${mode}: unexpected answer ${probe.status} ${probe.body.toString().slice(0, 80)}`);
    const url = `http://127.0.0.1:${port}/`;
    const cpu = canPin ? { cpu: WRK_CPU } : {};
    await runWrk({ url, connections, threads: 1, durationSec: 1, ...cpu });
    // CPU per request is what other load on a shared machine disturbs least: it is the cost, not the share of the core we got.
    const before = sampleCpu([proc.pid]);
    const result = await runWrk({ url, connections, threads: 1, durationSec, ...cpu });
    const usage = usageBetween(before, sampleCpu([proc.pid]));
    const cpuMs = ((usage.processes[proc.pid] ?? 0) / 100) * usage.wallMs;
    return { ...result, cpuUsPerRequest: result.requests > 0 ? (cpuMs * 1000) / result.requests : 0 };
  } finally {
    await proc.stop();
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { duration: { type: 'string', default: '5s' }, rounds: { type: 'string', default: '3' }, connections: { type: 'string', default: '50' } } });
  const durationSec = parseDurationSec(values.duration);
  const rounds = Math.max(1, Number(values.rounds));
  const connections = Math.max(1, Number(values.connections));
  const dir = makeTempDir('scripts-bench');
  const scriptFile = join(dir, 'trivial.ts');
  writeFileSync(scriptFile, ROUTER);
  process.stdout.write(`scripts bench: ${rounds} round(s) of ${durationSec} s per mode, wrk -t1 -c${connections}, ${canPin ? `wrk+origin on CPU ${WRK_CPU}, proxy on CPU ${PROXY_CPU}` : 'unpinned'}\n`);
  const origin = await startNginxOrigin(canPin ? { cpu: ORIGIN_CPU } : {});
  const results = new Map<Mode, Measured[]>(MODES.map((m) => [m, []]));
  try {
    for (let round = 1; round <= rounds; round++) {
      // Modes take turns, starting one further each round, so drift on the machine spreads over all of them.
      for (let i = 0; i < MODES.length; i++) {
        const mode = MODES[(i + round - 1) % MODES.length] as Mode;
        const r = await measure(mode, origin.port, scriptFile, durationSec, connections);
        (results.get(mode) as Measured[]).push(r);
        process.stdout.write(
          `  round ${round} ${mode.padEnd(6)} ${formatInteger(Math.round(r.requestsPerSec))} req/s, ${r.cpuUsPerRequest.toFixed(1)} µs CPU/request, p99 ${formatMs(r.latencyMs.p99)} ms, errors ${r.errors.total}\n`,
        );
      }
    }
  } finally {
    await origin.stop();
    await stopAllProcesses();
    removeTempDirs();
  }
  const med = (mode: Mode, of: (r: Measured) => number): number => median((results.get(mode) as Measured[]).map(of));
  const rulesRps = med('rules', (r) => r.requestsPerSec);
  const rulesCpu = med('rules', (r) => r.cpuUsPerRequest);
  const columns: Column[] = [
    { header: 'route', align: 'left' },
    { header: 'req/s (median)', align: 'right' },
    { header: 'vs rules', align: 'right' },
    { header: 'CPU µs/req', align: 'right' },
    { header: 'capacity vs rules', align: 'right' },
    { header: 'p50 ms', align: 'right' },
    { header: 'p99 ms', align: 'right' },
    { header: 'errors', align: 'right' },
  ];
  const rows = MODES.map((mode) => {
    const rs = results.get(mode) as Measured[];
    const rps = med(mode, (r) => r.requestsPerSec);
    const cpu = med(mode, (r) => r.cpuUsPerRequest);
    return [
      mode === 'rules' ? 'built-in rules' : `script (${mode})`,
      formatInteger(Math.round(rps)),
      `${(rps / rulesRps).toFixed(2)}x`,
      cpu.toFixed(1),
      `${(rulesCpu / cpu).toFixed(2)}x`,
      formatMs(med(mode, (r) => r.latencyMs.p50)),
      formatMs(med(mode, (r) => r.latencyMs.p99)),
      String(rs.reduce((n, r) => n + r.errors.total, 0)),
    ];
  });
  process.stdout.write(`\n${formatTable(columns, rows)}\n`);
  // Capacity = requests one core can serve = 1 / CPU per request: the throughput ratio a dedicated core would show.
  const inlineCapacity = rulesCpu / med('inline', (r) => r.cpuUsPerRequest);
  const inlineThroughput = med('inline', (r) => r.requestsPerSec) / rulesRps;
  const workerCpu = med('worker', (r) => r.cpuUsPerRequest);
  process.stdout.write(`\ninline script / rules: capacity ${inlineCapacity.toFixed(2)}x, measured throughput ${inlineThroughput.toFixed(2)}x (target >= 0.90x): ${inlineCapacity >= 0.9 ? 'OK' : 'BELOW TARGET'}\n`);
  process.stdout.write(
    `worker isolation: ${(workerCpu - rulesCpu).toFixed(1)} µs more CPU per request (${((workerCpu / rulesCpu - 1) * 100).toFixed(0)}%), capacity ${(rulesCpu / workerCpu).toFixed(2)}x of rules; p50 ${formatMs(med('worker', (r) => r.latencyMs.p50))} ms vs ${formatMs(med('rules', (r) => r.latencyMs.p50))} ms\n`,
  );
  process.exitCode = inlineCapacity >= 0.9 ? 0 : 1;
}

await main();
