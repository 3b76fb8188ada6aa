// HTTP reverse-proxy comparison: one nginx origin, each proxy in turn in front of it, three wrk scenarios.
// Usage: node test/dist/bench/http/run.js [--quick | --duration 10s] [--only nginx,haproxy,...] [--scenarios keepalive-64k] [--connections 50] [--rounds 3]
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { startHaproxyHttpProxy } from './haproxy.js';
import { startNodeHttpFloor, startNodeHttpProxy, startNodePipe } from './node-script-target.js';
import { LARGE_BODY_BYTES, SMALL_BODY, startNginxHttpProxy, startNginxOrigin, type NginxInstance } from './nginx.js';
import { benchSourceDir, repoRoot } from './paths.js';
import { get, runChecks, type Check } from './probe.js';
import { sampleCpu, usageBetween } from './cpu-usage.js';
import { canPin, setCpuAffinity, stopAllProcesses } from './processes.js';
import { medianRounds } from './median-round.js';
import { pairRounds, renderPaired, type Pair, type PairedScenario } from './paired-rounds.js';
import { startSwitchyard } from './switchyard-target.js';
import { formatInteger, formatMs, formatRatio, formatTable, type Column } from './table.js';
import { TargetNotBuiltError, type RunningTarget } from './target.js';
import { removeTempDirs } from './temp-dirs.js';
import { describeHost, type HostInfo } from './host-info.js';
import { runWrk, type WrkResult } from './wrk.js';
import { UsageError, parseDurationSec, requireCommands } from './bench-cli.js';

/** wrk (and, outside `direct`, the origin) share CPU 0; the proxy under test has CPU 1 to itself. */
const WRK_CPU = 0;
const PROXY_CPU = 1;
const ORIGIN_CPU = 0;
const WARMUP_SEC = 1;
/** Busy time on the proxy's core beyond the proxy's own, above which a row is flagged as disturbed. */
const FOREIGN_LOAD_LIMIT_PCT = 10;
const WRK_THREADS = 1;
const QUICK_DURATION_SEC = 3;
const DEFAULT_DURATION_SEC = 10;

interface Scenario {
  name: string;
  description: string;
  path: string;
  headers: Readonly<Record<string, string>>;
}

const SCENARIOS: readonly Scenario[] = [
  { name: 'keepalive-small', description: `keep-alive, ${SMALL_BODY.length}-byte body`, path: '/', headers: {} },
  { name: 'close-small', description: `Connection: close, ${SMALL_BODY.length}-byte body`, path: '/', headers: { Connection: 'close' } },
  { name: 'keepalive-64k', description: `keep-alive, ${LARGE_BODY_BYTES / 1024} KiB body`, path: '/64k', headers: {} },
];

const TargetName = {
  direct: 'direct',
  nginx: 'nginx',
  haproxy: 'haproxy',
  httpProxy: 'http-proxy',
  nodePipe: 'node-pipe',
  nodeHttpFloor: 'node-http-floor',
  switchyard: 'switchyard',
  switchyardEvents: 'switchyard+events',
  switchyard50: 'switchyard-50',
  switchyard50Health: 'switchyard-50+health',
  haproxy50: 'haproxy-50',
  haproxy50Health: 'haproxy-50+health',
} as const;

/** The 50-target pair: the same origin behind 50 ports, without and with active health checks. */
const MANY_TARGETS = 50;
/** Switchyard's default `healthCheck.interval`, used for HAProxy's checks too. */
const DEFAULT_HEALTH_INTERVAL_MS = 2000;
type TargetName = (typeof TargetName)[keyof typeof TargetName];

/** Targets that are another target plus one feature: their cost is shown round by round (paired-rounds.ts). */
const PAIRS: readonly Pair[] = [
  { baseline: TargetName.switchyard, variant: TargetName.switchyardEvents },
  { baseline: TargetName.switchyard50, variant: TargetName.switchyard50Health },
  { baseline: TargetName.haproxy50, variant: TargetName.haproxy50Health },
];

interface TargetDef {
  name: TargetName;
  /** Commands this target needs on PATH; missing ones fail the run (see scripts/bench-deps.sh). */
  needs: readonly string[];
  start(origin: NginxInstance & { extraPorts: readonly number[] }, settings: Settings): Promise<RunningTarget>;
}

const TARGETS: readonly TargetDef[] = [
  {
    name: TargetName.direct,
    needs: [],
    // wrk straight to the origin; the origin moves to the proxy core so it gets a core to itself.
    async start(origin) {
      setCpuAffinity(origin.pid, PROXY_CPU);
      return { port: origin.port, pid: origin.pid, stop: async () => setCpuAffinity(origin.pid, ORIGIN_CPU) };
    },
  },
  { name: TargetName.nginx, needs: ['nginx'], start: (origin) => startNginxHttpProxy(origin.port, { cpu: PROXY_CPU }) },
  { name: TargetName.haproxy, needs: ['haproxy'], start: (origin) => startHaproxyHttpProxy(origin.port, { cpu: PROXY_CPU }) },
  { name: TargetName.httpProxy, needs: [], start: (origin) => startNodeHttpProxy(origin.port, { cpu: PROXY_CPU }) },
  // No HTTP at all: what any Node.js proxy costs before parsing (one upstream socket per client, so
  // under Connection: close it pays two connections per request).
  { name: TargetName.nodePipe, needs: [], start: (origin) => startNodePipe(origin.port, { cpu: PROXY_CPU }) },
  // The least HTTP work a Node.js proxy can do (find the head end, add one field, count the body):
  // the ceiling any Node.js HTTP proxy works under here, and so the yardstick for ours.
  { name: TargetName.nodeHttpFloor, needs: [], start: (origin) => startNodeHttpFloor(origin.port, { cpu: PROXY_CPU }) },
  { name: TargetName.switchyard, needs: [], start: (origin) => startSwitchyard(origin.port, { cpu: PROXY_CPU }) },
  { name: TargetName.switchyardEvents, needs: [], start: (origin) => startSwitchyard(origin.port, { cpu: PROXY_CPU }, { withEvents: true }) },
  {
    name: TargetName.switchyard50,
    needs: [],
    start: (origin) => startSwitchyard(origin.port, { cpu: PROXY_CPU }, { targetPorts: origin.extraPorts }),
  },
  {
    name: TargetName.switchyard50Health,
    needs: [],
    start: (origin, settings) =>
      startSwitchyard(origin.port, { cpu: PROXY_CPU }, { targetPorts: origin.extraPorts, withHealthChecks: true, healthIntervalMs: settings.healthIntervalMs }),
  },
  // The same pair with HAProxy's own checks: what 25 checks a second cost a peer on this machine.
  { name: TargetName.haproxy50, needs: ['haproxy'], start: (origin) => startHaproxyHttpProxy(origin.port, { cpu: PROXY_CPU }, { extraPorts: origin.extraPorts }) },
  {
    name: TargetName.haproxy50Health,
    needs: ['haproxy'],
    start: (origin, settings) =>
      startHaproxyHttpProxy(origin.port, { cpu: PROXY_CPU }, { extraPorts: origin.extraPorts, healthCheckIntervalMs: settings.healthIntervalMs ?? DEFAULT_HEALTH_INTERVAL_MS }),
  },
];

/** What every target must get right before its numbers mean anything. */
const CHECKS: readonly Check[] = [
  {
    name: `GET / returns ${JSON.stringify(SMALL_BODY)}`,
    async run(port) {
      const res = await get(port, '/');
      const body = res.body.toString('utf8');
      return res.status === 200 && body === SMALL_BODY ? undefined : `status ${res.status}, body ${JSON.stringify(body.slice(0, 80))}`;
    },
  },
  {
    name: `GET /64k returns ${LARGE_BODY_BYTES} bytes`,
    async run(port) {
      const res = await get(port, '/64k');
      return res.status === 200 && res.body.length === LARGE_BODY_BYTES ? undefined : `status ${res.status}, ${res.body.length} bytes`;
    },
  },
  {
    // Otherwise the close scenario silently measures keep-alive for that target.
    name: 'Connection: close is honoured',
    async run(port) {
      const res = await get(port, '/', { Connection: 'close' });
      return res.headers.connection?.toLowerCase() === 'close' ? undefined : `response Connection: ${res.headers.connection ?? '(none)'}`;
    },
  },
];

type Status = 'ok' | 'skipped' | 'failed';

interface Measurement {
  target: TargetName;
  scenario: string;
  status: Status;
  reason?: string;
  wrk?: WrkResult;
  cpu?: MeasuredCpu;
  vsNginx?: number;
  vsHttpProxy?: number;
  vsNodePipe?: number;
  vsNodeHttpFloor?: number;
  /** Every round's req/s, in run order, when the row is the median of several rounds. */
  roundsRps?: number[];
}

/** CPU use during the measured run: whether the proxy's core or the load core was the limit. */
interface MeasuredCpu {
  /** Proxy process, percent of one CPU (the origin itself for `direct`). */
  proxyPct: number | null;
  /** Origin process, percent of one CPU. */
  originPct: number | null;
  /** Each CPU's busy and steal percent. */
  cores: { busyPct: number; stealPct: number }[];
  /**
   * Busy time on the proxy's core not charged to the proxy process: other processes on a
   * shared machine, or kernel network work done outside the proxy (ksoftirqd). Null without
   * pinning, where nothing is known to own the core.
   */
  foreignPct: number | null;
  /**
   * The proxy process's CPU time per completed request, in µs, split into user (its own code) and
   * system (kernel: socket copies, waking wrk and the origin). With the proxy's core saturated this
   * is the inverse of req/s, and the split shows which side moved between two runs.
   */
  proxyUserUsPerReq: number | null;
  proxySystemUsPerReq: number | null;
}

interface Settings {
  durationSec: number;
  warmupSec: number;
  connections: number;
  threads: number;
  targets: TargetName[];
  /** Scenario names to run, in SCENARIOS order (default: all). */
  scenarios: string[];
  /** The probe interval of `switchyard-50+health` and `haproxy-50+health`; undefined: Switchyard's default (2 s). */
  healthIntervalMs: number | undefined;
  /** Rounds over every target, interleaved (order reversed every other round); the median is reported. */
  rounds: number;
}

async function main(): Promise<number> {
  const settings = parseSettings(process.argv.slice(2));
  requireCommands(['wrk', 'nginx', ...TARGETS.filter((t) => settings.targets.includes(t.name)).flatMap((t) => t.needs)]);
  const startedAt = new Date();
  const host = describeHost([['wrk', ['-v']], ['nginx', ['-v']], ['haproxy', ['-v']]]);
  printHeader(settings, host);

  const manyTargets: readonly TargetName[] = [TargetName.switchyard50, TargetName.switchyard50Health, TargetName.haproxy50, TargetName.haproxy50Health];
  const wantsMany = settings.targets.some((t) => manyTargets.includes(t));
  const origin = await startNginxOrigin({ cpu: ORIGIN_CPU }, wantsMany ? MANY_TARGETS - 1 : 0);
  const originProblems = await runChecks(origin.port, CHECKS.slice(0, 2));
  if (originProblems.length > 0) throw new Error(`origin is not serving as expected:\n  ${originProblems.join('\n  ')}`);
  console.log(`origin: nginx on 127.0.0.1:${origin.port} (pid ${origin.pid})\n`);

  const defs = TARGETS.filter((t) => settings.targets.includes(t.name));
  const rounds: Measurement[][] = [];
  for (let round = 0; round < settings.rounds; round++) {
    if (settings.rounds > 1) console.log(`round ${round + 1} of ${settings.rounds}`);
    const measured: Measurement[] = [];
    // Reversed every other round, so that no target always runs first (or right after another).
    for (const def of round % 2 === 0 ? defs : [...defs].reverse()) {
      if (stopping) return 130;
      measured.push(...(await measureTarget(def, origin, settings)));
    }
    rounds.push(measured);
  }
  const measurements = medianRounds(rounds.map((round) => round.map((m) => ({ ...m, rps: m.wrk?.requestsPerSec }))));
  addRatios(measurements);
  const paired = pairRounds(
    rounds.map((round) =>
      round.map((m) => ({
        target: m.target,
        scenario: m.scenario,
        rps: m.wrk?.requestsPerSec,
        userUsPerReq: m.cpu?.proxyUserUsPerReq ?? undefined,
        systemUsPerReq: m.cpu?.proxySystemUsPerReq ?? undefined,
      })),
    ),
    PAIRS,
  );

  for (const scenario of selectedScenarios(settings)) {
    console.log(`\n${scenario.name}: ${scenario.description}, wrk -t${settings.threads} -c${settings.connections} -d${settings.durationSec}s`);
    console.log(renderTable(measurements.filter((m) => m.scenario === scenario.name)));
  }
  if (paired.length > 0) console.log(`\n${renderPaired(paired)}`);
  if (measurements.some((m) => isDisturbed(m.cpu))) {
    console.log(`\n* CPU ${PROXY_CPU} (the proxy's core) was more than ${FOREIGN_LOAD_LIMIT_PCT}% busy outside the proxy process during that run: ` +
        'other load on the machine, or kernel network work; rerun before trusting it');
  }

  const file = writeResults(startedAt, host, settings, measurements, paired);
  console.log(`\nresults: ${relative(process.cwd(), file)}`);
  return measurements.some((m) => m.status === 'failed') ? 1 : 0;
}

async function measureTarget(def: TargetDef, origin: NginxInstance & { extraPorts: readonly number[] }, settings: Settings): Promise<Measurement[]> {
  const all = (status: Status, reason: string): Measurement[] =>
    selectedScenarios(settings).map((s) => ({ target: def.name, scenario: s.name, status, reason }));

  let target: RunningTarget;
  try {
    target = await def.start(origin, settings);
  } catch (err) {
    if (err instanceof TargetNotBuiltError) {
      console.log(`${def.name}: not built yet (${err.detail})`);
      return all('skipped', 'not built yet');
    }
    console.log(`${def.name}: failed to start: ${messageOf(err)}`);
    return all('failed', `failed to start: ${messageOf(err)}`);
  }

  try {
    const problems = await runChecks(target.port, CHECKS);
    if (problems.length > 0) {
      console.log(`${def.name}: failed checks:\n  ${problems.join('\n  ')}`);
      return all('failed', problems.join('; '));
    }
    console.log(`${def.name}: 127.0.0.1:${target.port} (pid ${target.pid})`);
    const results: Measurement[] = [];
    for (const scenario of selectedScenarios(settings)) {
      if (stopping) break;
      const url = `http://127.0.0.1:${target.port}${scenario.path}`;
      const wrkOptions = { url, connections: settings.connections, threads: settings.threads, headers: scenario.headers, cpu: WRK_CPU };
      try {
        await runWrk({ ...wrkOptions, durationSec: settings.warmupSec });
        const before = sampleCpu([target.pid, origin.pid]);
        const wrk = await runWrk({ ...wrkOptions, durationSec: settings.durationSec });
        const usage = usageBetween(before, sampleCpu([target.pid, origin.pid]));
        const proxyPct = usage.processes[target.pid] ?? null;
        const proxyCoreBusy = usage.cores[PROXY_CPU]?.busyPct;
        const foreignPct = canPin && proxyPct !== null && proxyCoreBusy !== undefined ? Math.max(0, proxyCoreBusy - proxyPct) : null;
        const times = usage.processTimes[target.pid];
        const usPerReq = (ms: number | undefined): number | null => (ms === undefined || wrk.requests === 0 ? null : (ms * 1000) / wrk.requests);
        const cpu: MeasuredCpu = {
          proxyPct,
          originPct: usage.processes[origin.pid] ?? null,
          cores: usage.cores,
          foreignPct,
          proxyUserUsPerReq: usPerReq(times?.userMs),
          proxySystemUsPerReq: usPerReq(times?.systemMs),
        };
        results.push({ target: def.name, scenario: scenario.name, status: 'ok', wrk, cpu });
        console.log(
          `  ${scenario.name.padEnd(16)} ${formatInteger(wrk.requestsPerSec).padStart(9)} req/s` +
            `  p50 ${formatMs(wrk.latencyMs.p50)} ms  p99 ${formatMs(wrk.latencyMs.p99)} ms  errors ${wrk.errors.total}` +
            `  proxy cpu ${formatPct(cpu.proxyPct)} ${formatUsPerReq(cpu)} us/req (${formatUserSystem(cpu)})  cpu${WRK_CPU} ${formatPct(cpu.cores[WRK_CPU]?.busyPct)}` +
            (isDisturbed(cpu) ? `  (* CPU ${PROXY_CPU} was ${formatPct(cpu.foreignPct)} busy outside the proxy)` : ''),
        );
      } catch (err) {
        if (stopping) return results;
        console.log(`  ${scenario.name}: failed: ${messageOf(err)}`);
        results.push({ target: def.name, scenario: scenario.name, status: 'failed', reason: messageOf(err) });
      }
    }
    return results;
  } finally {
    await target.stop();
  }
}

function addRatios(measurements: Measurement[]): void {
  for (const scenario of SCENARIOS) {
    const inScenario = measurements.filter((m) => m.scenario === scenario.name);
    const rpsOf = (name: TargetName): number | undefined => inScenario.find((m) => m.target === name && m.status === 'ok')?.wrk?.requestsPerSec;
    const nginxRps = rpsOf(TargetName.nginx);
    const httpProxyRps = rpsOf(TargetName.httpProxy);
    const nodePipeRps = rpsOf(TargetName.nodePipe);
    const floorRps = rpsOf(TargetName.nodeHttpFloor);
    for (const m of inScenario) {
      if (m.wrk === undefined) continue;
      if (nginxRps !== undefined && nginxRps > 0) m.vsNginx = m.wrk.requestsPerSec / nginxRps;
      if (httpProxyRps !== undefined && httpProxyRps > 0) m.vsHttpProxy = m.wrk.requestsPerSec / httpProxyRps;
      if (nodePipeRps !== undefined && nodePipeRps > 0) m.vsNodePipe = m.wrk.requestsPerSec / nodePipeRps;
      if (floorRps !== undefined && floorRps > 0) m.vsNodeHttpFloor = m.wrk.requestsPerSec / floorRps;
    }
  }
}

const COLUMNS: readonly Column[] = [
  { header: 'proxy' },
  { header: 'req/s', align: 'right' },
  { header: 'p50 ms', align: 'right' },
  { header: 'p99 ms', align: 'right' },
  { header: 'errors', align: 'right' },
  { header: 'proxy cpu', align: 'right' },
  { header: 'us/req', align: 'right' },
  { header: `cpu${WRK_CPU} busy`, align: 'right' },
  { header: 'vs nginx', align: 'right' },
  { header: 'vs http-proxy', align: 'right' },
  { header: 'vs node-pipe', align: 'right' },
  { header: 'vs http-floor', align: 'right' },
  { header: 'rounds req/s', align: 'right' },
];

function renderTable(rows: readonly Measurement[]): string {
  return formatTable(
    COLUMNS,
    rows.map((m) =>
      m.wrk === undefined
        ? [m.target, m.status === 'skipped' ? (m.reason ?? 'skipped') : 'FAILED', ...COLUMNS.slice(2).map(() => '-')]
        : [
            m.target,
            formatInteger(m.wrk.requestsPerSec) + (isDisturbed(m.cpu) ? '*' : ''),
            formatMs(m.wrk.latencyMs.p50),
            formatMs(m.wrk.latencyMs.p99),
            String(m.wrk.errors.total),
            formatPct(m.cpu?.proxyPct),
            formatUsPerReq(m.cpu),
            formatPct(m.cpu?.cores[WRK_CPU]?.busyPct),
            formatRatio(m.vsNginx),
            formatRatio(m.vsHttpProxy),
            formatRatio(m.vsNodePipe),
            formatRatio(m.vsNodeHttpFloor),
            formatRoundsRange(m.roundsRps),
          ],
    ),
  );
}



function printHeader(settings: Settings, host: HostInfo): void {
  console.log(`cores: ${host.cpus} (${host.cpuModel})`);
  console.log(
    host.pinned
      ? `pinning: wrk -> CPU ${WRK_CPU}, proxy -> CPU ${PROXY_CPU}, origin -> CPU ${ORIGIN_CPU} (CPU ${PROXY_CPU} for direct)`
      : 'pinning: off (needs 2+ CPUs and taskset); numbers are not comparable with pinned runs',
  );
  for (const [name, version] of Object.entries(host.versions)) console.log(`${name}: ${version}`);
  console.log(
    `duration: ${settings.durationSec}s per scenario after ${settings.warmupSec}s warm-up; ` +
      `wrk -t${settings.threads} -c${settings.connections}; targets: ${settings.targets.join(', ')}\n`,
  );
}

function writeResults(startedAt: Date, host: HostInfo, settings: Settings, measurements: readonly Measurement[], paired: readonly PairedScenario[]): string {
  const dir = join(benchSourceDir(), 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `http-${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
  const report = {
    kind: 'http',
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    host,
    settings: { ...settings, cpu: { wrk: WRK_CPU, proxy: PROXY_CPU, origin: ORIGIN_CPU } },
    scenarios: selectedScenarios(settings).map((s) => ({
      ...s,
      results: measurements
        .filter((m) => m.scenario === s.name)
        .map((m) => ({
          target: m.target,
          status: m.status,
          ...(m.reason === undefined ? {} : { reason: m.reason }),
          ...(m.wrk === undefined
            ? {}
            : {
                requestsPerSec: m.wrk.requestsPerSec,
                latencyMs: m.wrk.latencyMs,
                errors: m.wrk.errors,
                requests: m.wrk.requests,
                bytes: m.wrk.bytes,
                durationSec: m.wrk.durationSec,
                cpu: m.cpu ?? null,
                vsNginx: m.vsNginx ?? null,
                vsHttpProxy: m.vsHttpProxy ?? null,
                vsNodePipe: m.vsNodePipe ?? null,
                vsNodeHttpFloor: m.vsNodeHttpFloor ?? null,
                roundsRps: m.roundsRps ?? null,
              }),
        })),
    })),
    paired,
  };
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  return file;
}

const USAGE = `usage: node test/dist/bench/http/run.js [options]
  --duration <time>     measured time per scenario: 10s (default), 30s, 1m
  --quick               3s per scenario, for smoke runs
  --only <a,b,...>      targets to run: ${TARGETS.map((t) => t.name).join(', ')} (default: all)
  --scenarios <a,...>   scenarios to run: ${SCENARIOS.map((s) => s.name).join(', ')} (default: all)
  --connections <n>     wrk connections (default 50)
  --health-interval-ms <n>  probe interval of switchyard-50+health and haproxy-50+health (default 2000: 25 probes/s over 50 targets);
                        a shorter one scales the probing up, to see what a probe costs
  --rounds <n>          rounds over every target, interleaved; each row is the median round (default 1)
  --help`;

function parseSettings(argv: string[]): Settings {
  const { values } = parseArgs({
    args: argv,
    options: {
      duration: { type: 'string' },
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      scenarios: { type: 'string' },
      connections: { type: 'string', default: '50' },
      'health-interval-ms': { type: 'string' },
      rounds: { type: 'string', default: '1' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const known = TARGETS.map((t) => t.name);
  const targets = values.only === undefined ? known : values.only.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const unknown = targets.filter((t) => !(known as string[]).includes(t));
  if (unknown.length > 0 || targets.length === 0) throw new UsageError(`--only: unknown target(s) ${unknown.join(', ')}; known: ${known.join(', ')}`);
  const scenarioNames = SCENARIOS.map((s) => s.name);
  const scenarios = values.scenarios === undefined ? scenarioNames : values.scenarios.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const unknownScenarios = scenarios.filter((s) => !scenarioNames.includes(s));
  if (unknownScenarios.length > 0 || scenarios.length === 0) {
    throw new UsageError(`--scenarios: unknown scenario(s) ${unknownScenarios.join(', ')}; known: ${scenarioNames.join(', ')}`);
  }
  const connections = Number(values.connections);
  if (!Number.isInteger(connections) || connections < 1) throw new UsageError(`--connections: expected a positive integer, got ${values.connections}`);
  const healthIntervalText = values['health-interval-ms'];
  const healthIntervalMs = healthIntervalText === undefined ? undefined : Number(healthIntervalText);
  if (healthIntervalMs !== undefined && (!Number.isInteger(healthIntervalMs) || healthIntervalMs < 10)) {
    throw new UsageError(`--health-interval-ms: expected an integer of at least 10, got ${healthIntervalText}`);
  }
  const rounds = Number(values.rounds);
  if (!Number.isInteger(rounds) || rounds < 1 || rounds > 20) throw new UsageError(`--rounds: expected an integer from 1 to 20, got ${values.rounds}`);
  const durationSec =
    values.duration !== undefined ? parseDurationSec(values.duration) : values.quick ? QUICK_DURATION_SEC : DEFAULT_DURATION_SEC;
  return { durationSec, warmupSec: WARMUP_SEC, connections, threads: WRK_THREADS, targets: targets as TargetName[], scenarios, healthIntervalMs, rounds };
}




/** The scenarios this run measures, in their fixed order. */
function selectedScenarios(settings: Settings): readonly Scenario[] {
  return SCENARIOS.filter((s) => settings.scenarios.includes(s.name));
}

/** `min–max` req/s over the rounds, or '-' for a single round. */
function formatRoundsRange(rps: readonly number[] | undefined): string {
  if (rps === undefined || rps.length < 2) return '-';
  return `${formatInteger(Math.min(...rps))}–${formatInteger(Math.max(...rps))}`;
}

/** The proxy's CPU µs per request, user + system. */
function formatUsPerReq(cpu: MeasuredCpu | undefined): string {
  const user = cpu?.proxyUserUsPerReq ?? null;
  const system = cpu?.proxySystemUsPerReq ?? null;
  return user === null || system === null ? '-' : (user + system).toFixed(1);
}

function formatUserSystem(cpu: MeasuredCpu): string {
  if (cpu.proxyUserUsPerReq === null || cpu.proxySystemUsPerReq === null) return 'user+sys -';
  return `user ${cpu.proxyUserUsPerReq.toFixed(1)} + sys ${cpu.proxySystemUsPerReq.toFixed(1)}`;
}

function isDisturbed(cpu: MeasuredCpu | undefined): boolean {
  return cpu?.foreignPct !== undefined && cpu.foreignPct !== null && cpu.foreignPct > FOREIGN_LOAD_LIMIT_PCT;
}

function formatPct(value: number | null | undefined): string {
  return value === null || value === undefined ? '-' : `${Math.round(value)}%`;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Set on SIGINT/SIGTERM: the run stops measuring and only cleans up. */
let stopping = false;

/** Stops every process we started (by pid) and removes temp dirs; runs once. */
let cleanup: Promise<void> | undefined;
function cleanUp(): Promise<void> {
  cleanup ??= stopAllProcesses().finally(removeTempDirs);
  return cleanup;
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    stopping = true;
    console.error(`\n${signal}: stopping everything the bench started`);
    void cleanUp().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  });
}

let exitCode = 1;
try {
  exitCode = await main();
} catch (err) {
  if (!stopping) console.error(err instanceof UsageError ? `${err.message}\n\n${USAGE}` : `bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  exitCode = err instanceof UsageError ? 2 : 1;
} finally {
  await cleanUp();
}
process.exitCode = exitCode;
