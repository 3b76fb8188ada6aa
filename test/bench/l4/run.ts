// L4 comparison: TCP, WebSocket, UDP, TLS termination and upstream TLS reuse, each against peers measured in the same run.
// Usage: node test/dist/bench/l4/run.js [--quick | --duration 10s] [--rounds 3] [--only tcp,ws,udp,tls,upstream-tls] [--strict]
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { benchSourceDir, repoRoot } from '../http/paths.js';
import { stopAllProcesses } from '../http/processes.js';
import { removeTempDirs } from '../http/temp-dirs.js';
import { describeHost, type HostInfo } from '../http/host-info.js';
import { removeBenchCertificates } from './certificate.js';
import {
  evaluateGoals,
  FOREIGN_LOAD_LIMIT_PCT,
  interruption,
  LOAD_CPU,
  messageOf,
  ORIGIN_CPU,
  PROXY_CPU,
  renderScenario,
  isDisturbed,
  type Goal,
  type ScenarioReport,
  type SectionResult,
  type Settings,
} from './harness.js';
import { runTcp, TCP_GOALS } from './tcp.js';
import { runTls } from './tls.js';
import { runUdp } from './udp.js';
import { runUpstreamTls } from './upstream-tls.js';
import { runWs, WS_GOALS } from './ws.js';
import { UsageError, parseDurationSec, requireCommands } from '../http/bench-cli.js';

const QUICK_DURATION_SEC = 3;
const DEFAULT_DURATION_SEC = 10;
const WARMUP_SEC = 1;
const BULK_BYTES = 1024 ** 3;
const QUICK_ROUNDS = 2;
const DEFAULT_ROUNDS = 3;

interface SectionDef {
  name: string;
  /** Commands it needs on PATH (see scripts/bench-deps.sh). */
  needs: readonly string[];
  goals: readonly Goal[];
  run(settings: Settings): Promise<SectionResult>;
}

const SECTIONS: readonly SectionDef[] = [
  { name: 'tcp', needs: ['haproxy', 'nginx'], goals: TCP_GOALS, run: runTcp },
  { name: 'ws', needs: ['nginx'], goals: WS_GOALS, run: runWs },
  { name: 'udp', needs: ['nginx'], goals: [], run: runUdp },
  { name: 'tls', needs: ['nginx', 'wrk', 'openssl'], goals: [], run: runTls },
  { name: 'upstream-tls', needs: ['nginx', 'wrk', 'openssl'], goals: [], run: runUpstreamTls },
];

async function main(): Promise<number> {
  const settings = parseSettings(process.argv.slice(2));
  const selected = SECTIONS.filter((s) => settings.sections.includes(s.name));
  requireCommands(selected.flatMap((s) => s.needs));
  const startedAt = new Date();
  const host = describeHost([['nginx', ['-v']], ['haproxy', ['-v']], ['wrk', ['-v']], ['openssl', ['version']]]);
  printHeader(settings, host);

  const reports: ScenarioReport[] = [];
  const notes: string[] = [];
  let failedSections = 0;
  for (const section of selected) {
    if (interruption.stopping) return 130;
    console.log(`\n== ${section.name}`);
    try {
      const result = await section.run(settings);
      reports.push(...result.reports);
      notes.push(...result.notes);
    } catch (err) {
      if (interruption.stopping) return 130;
      failedSections++;
      console.log(`${section.name}: failed: ${messageOf(err)}`);
    }
  }

  if (interruption.stopping) return 130;
  console.log(`\n== results (cores: ${host.cpus}; ${host.pinned ? `proxy on CPU ${PROXY_CPU}, load and origin on CPU ${LOAD_CPU}` : 'not pinned'})`);
  for (const report of reports) {
    console.log(`\n${report.section} ${report.name}: ${report.description}`);
    console.log(renderScenario(report));
  }
  if (notes.length > 0) console.log(`\n${notes.join('\n')}`);
  const goals = evaluateGoals(selected.flatMap((s) => s.goals), reports);
  if (goals.length > 0) console.log('');
  for (const g of goals) {
    const verdict = g.met === null ? 'not measured' : g.met ? 'met' : 'NOT met';
    const perRound = g.roundRatios === null ? '' : `; within a round ${g.roundRatios.min.toFixed(2)}x-${g.roundRatios.max.toFixed(2)}x`;
    console.log(`goal ${g.section} ${g.scenario}: ${g.target} >= ${g.atLeast.toFixed(2)}x ${g.peer}: ${g.ratio === null ? '-' : `${g.ratio.toFixed(2)}x`} of the medians${perRound} (${verdict})`);
  }
  if (reports.some((r) => r.rows.some((row) => isDisturbed(row.cpu)))) {
    console.log(
      `\n* CPU ${PROXY_CPU} (the proxy's core) was more than ${FOREIGN_LOAD_LIMIT_PCT}% busy outside the proxy process during that run: ` +
        'other load on the machine, or kernel network work; rerun before trusting it',
    );
  }

  const file = writeResults(startedAt, host, settings, reports, goals);
  console.log(`\nresults: ${relative(process.cwd(), file)}`);
  const failed = failedSections > 0 || reports.some((r) => r.rows.some((row) => row.status === 'failed'));
  return failed || (settings.strict && goals.some((g) => g.met === false)) ? 1 : 0;
}



function printHeader(settings: Settings, host: HostInfo): void {
  console.log(`cores: ${host.cpus} (${host.cpuModel}); node ${host.node}`);
  console.log(
    host.pinned
      ? `pinning: proxy under test -> CPU ${PROXY_CPU}; load generators -> CPU ${LOAD_CPU}; origins -> CPU ${ORIGIN_CPU}`
      : 'pinning: off (needs 2+ CPUs and taskset); numbers are not comparable with pinned runs',
  );
  for (const [name, version] of Object.entries(host.versions)) console.log(`${name}: ${version}`);
  console.log(
    `duration: ${settings.durationSec}s per timed run after ${settings.warmupSec}s warm-up; ${settings.rounds} rounds (targets take turns, median round reported, range of all rounds beside it); tcp bulk: ${settings.bulkBytes / 1024 ** 3} GiB; ` +
      `sections: ${settings.sections.join(', ')}`,
  );
}

function writeResults(startedAt: Date, host: HostInfo, settings: Settings, reports: readonly ScenarioReport[], goals: unknown): string {
  const dir = join(benchSourceDir(), 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `l4-${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
  const report = {
    kind: 'l4',
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    host,
    settings: { ...settings, cpu: { load: LOAD_CPU, proxy: PROXY_CPU, origin: ORIGIN_CPU } },
    scenarios: reports,
    goals,
  };
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  return file;
}

const USAGE = `usage: node test/dist/bench/l4/run.js [options]
  --duration <time>     each timed run: 10s (default), 30s, 1m
  --quick               3s timed runs, 2 rounds, for smoke runs
  --rounds <n>          rounds per section; each target's median round is reported (default 3; 2 with --quick)
  --only <a,b,...>      sections: ${SECTIONS.map((s) => s.name).join(', ')} (default: all)
  --strict              exit 1 when a goal (tcp bulk >= 0.9x node-pipe, ws >= nginx) is missed
  --help`;

function parseSettings(argv: string[]): Settings {
  const { values } = parseArgs({
    args: argv,
    options: {
      duration: { type: 'string' },
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      rounds: { type: 'string' },
      strict: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const known = SECTIONS.map((s) => s.name);
  const sections = values.only === undefined ? known : values.only.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const unknown = sections.filter((s) => !known.includes(s));
  if (unknown.length > 0 || sections.length === 0) throw new UsageError(`--only: unknown section(s) ${unknown.join(', ')}; known: ${known.join(', ')}`);
  const durationSec = values.duration !== undefined ? parseDurationSec(values.duration) : values.quick ? QUICK_DURATION_SEC : DEFAULT_DURATION_SEC;
  return {
    durationSec,
    warmupSec: WARMUP_SEC,
    rounds: values.rounds !== undefined ? parseRounds(values.rounds) : values.quick ? QUICK_ROUNDS : DEFAULT_ROUNDS,
    bulkBytes: BULK_BYTES,
    sections,
    strict: values.strict,
  };
}

function parseRounds(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1 || value > 20) throw new UsageError(`--rounds: expected 1 to 20, got ${text}`);
  return value;
}




/** Stops every process we started (by pid), removes temp dirs and certificates; runs once. */
let cleanup: Promise<void> | undefined;
function cleanUp(): Promise<void> {
  cleanup ??= stopAllProcesses().finally(() => {
    removeTempDirs();
    removeBenchCertificates();
  });
  return cleanup;
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    interruption.stopping = true;
    console.error(`\n${signal}: stopping everything the bench started`);
    void cleanUp().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  });
}

// A bug in the harness must not leave servers running.
process.once('uncaughtException', (err) => {
  interruption.stopping = true;
  console.error(`bench failed: ${err.stack ?? err.message}`);
  void cleanUp().finally(() => process.exit(1));
});

let exitCode = 1;
try {
  exitCode = await main();
} catch (err) {
  if (!interruption.stopping) console.error(err instanceof UsageError ? `${err.message}\n\n${USAGE}` : `bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  exitCode = err instanceof UsageError ? 2 : 1;
} finally {
  await cleanUp();
}
process.exitCode = exitCode;
