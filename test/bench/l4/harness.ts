// The measuring loop every L4 section shares: start a target, check it, measure each scenario with CPU sampling, stop it.
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { sampleCpu, usageBetween } from '../http/cpu-usage.js';
import { repoRoot } from '../http/paths.js';
import { canPin, spawnTracked } from '../http/processes.js';
import { formatInteger, formatMs, formatRatio, formatTable, type Column } from '../http/table.js';
import type { RunningTarget } from '../http/target.js';
import type { LoadResult } from './load.js';

/** Load generators and origins share CPU 0; the proxy under test has CPU 1 to itself. */
export const LOAD_CPU = 0;
export const PROXY_CPU = 1;
export const ORIGIN_CPU = 0;
/** Busy time on the proxy's core beyond the proxy's own, above which a row is flagged as disturbed. */
export const FOREIGN_LOAD_LIMIT_PCT = 10;

const LOAD_ENTRY = join(repoRoot(), 'test', 'dist', 'bench', 'l4', 'load.js');
const RESULT_MARKER = 'L4_RESULT ';
/** A load generator gets this long beyond its own time limit before the harness kills it. */
const OVERRUN_ALLOWANCE_MS = 15_000;

export interface Settings {
  durationSec: number;
  warmupSec: number;
  /** Rounds per section; each target is measured once per round and its median round is reported. */
  rounds: number;
  /** tcp bulk: bytes per transfer. */
  bulkBytes: number;
  sections: string[];
  strict: boolean;
}

/** CPU use during one measurement: whether the proxy's core or the load core was the limit. */
export interface MeasuredCpu {
  /** Proxy process, percent of one CPU. */
  proxyPct: number | null;
  /** Origin process, percent of one CPU. */
  originPct: number | null;
  /** Per CPU: busy, stolen, and in interrupts (on loopback mostly the receive side of what that CPU sent). */
  cores: { busyPct: number; stealPct: number; irqPct: number }[];
  /**
   * Busy time on the proxy's core charged neither to the proxy process nor to interrupts (other
   * processes, ksoftirqd); null without pinning.
   */
  foreignPct: number | null;
}

/** What one scenario measured on one target. */
export interface Figures {
  /** The scenario's figure, higher is better (MB/s, connections/s, messages/s, …). */
  value: number;
  /** Every round's figure, in run order (set by the section). */
  rounds?: number[];
  latencyMs: LoadResult['latencyMs'];
  errors: number;
  /** Values of the scenario's extra columns. */
  extra?: Record<string, string>;
  detail?: Record<string, unknown>;
}

export interface Row {
  target: string;
  status: 'ok' | 'failed';
  reason?: string;
  figures?: Figures;
  cpu?: MeasuredCpu;
  /** This row's value divided by each peer's value in the same scenario and run. */
  ratios: Record<string, number>;
}

export interface ScenarioDef {
  name: string;
  /** Printed above the table. */
  description: string;
  /** Header of the figure column, e.g. `MB/s`. */
  unit: string;
  /** Targets the ratio columns compare with. */
  peers: readonly string[];
  extraColumns?: readonly string[];
  /** Runs before the measurement, not sampled. */
  warmUp?(target: RunningTarget): Promise<void>;
  measure(target: RunningTarget): Promise<Figures>;
}

export interface TargetDef {
  name: string;
  start(): Promise<RunningTarget>;
  /** Resolves with a problem, or undefined when the target relays correctly. */
  check(target: RunningTarget): Promise<string | undefined>;
}

export interface ScenarioReport {
  section: string;
  name: string;
  description: string;
  unit: string;
  peers: readonly string[];
  extraColumns: readonly string[];
  rows: Row[];
}

/** What a section hands back: a report per scenario, and lines to print under its tables. */
export interface SectionResult {
  reports: ScenarioReport[];
  notes: string[];
}

/** A bar from the issue: `target` must reach `atLeast` times `peer` in a scenario. */
export interface Goal {
  section: string;
  scenario: string;
  target: string;
  peer: string;
  atLeast: number;
}

export interface GoalResult extends Goal {
  /** Median round of the target over median round of the peer. */
  ratio: number | null;
  /** Lowest and highest ratio of the target to the peer within one round (they ran back to back). */
  roundRatios: { min: number; max: number } | null;
  met: boolean | null;
}

/** Set on SIGINT/SIGTERM: sections stop measuring and only clean up. */
export const interruption = { stopping: false };

/**
 * Starts every target of a section (idle ones cost nothing), checks each, then measures in
 * rounds: every scenario on every target in turn, so a burst of other load on a shared machine
 * hits one round of each target rather than all rounds of one. A row is the target's median round
 * (the lower middle for an even count): a best-of rewards one lucky round, and on a shared 2-core
 * machine rounds differ by as much as the effects measured. All rounds stay in `figures.rounds`.
 */
export async function runSection(section: string, targets: readonly TargetDef[], scenarios: readonly ScenarioDef[], originPid: number, rounds: number): Promise<ScenarioReport[]> {
  const failed = new Map<string, string>();
  const running: { name: string; target: RunningTarget }[] = [];
  const samples = new Map<string, Row[]>();
  try {
    for (const def of targets) {
      if (interruption.stopping) break;
      let target: RunningTarget;
      try {
        target = await def.start();
      } catch (err) {
        failed.set(def.name, `failed to start: ${messageOf(err)}`);
        console.log(`  ${def.name}: ${failed.get(def.name)}`);
        continue;
      }
      running.push({ name: def.name, target });
      const problem = await def.check(target).catch((err: unknown) => messageOf(err));
      if (problem === undefined) {
        console.log(`  ${def.name}: 127.0.0.1:${target.port} (pid ${target.pid})`);
      } else {
        failed.set(def.name, `failed check: ${problem}`);
        console.log(`  ${def.name}: ${failed.get(def.name)}`);
      }
    }
    const measured = running.filter((r) => !failed.has(r.name));
    for (let round = 1; round <= rounds; round++) {
      for (const scenario of scenarios) {
        for (const { name, target } of measured) {
          if (interruption.stopping) break;
          const row = await measureOne(name, scenario, target, originPid, round);
          const key = `${scenario.name}/${name}`;
          samples.set(key, [...(samples.get(key) ?? []), row]);
        }
      }
    }
  } finally {
    for (const { target } of running.reverse()) await target.stop();
  }
  return scenarios.map((s) => {
    const rows = targets.map((def): Row => {
      const reason = failed.get(def.name);
      if (reason !== undefined) return { target: def.name, status: 'failed', reason, ratios: {} };
      return medianRow(def.name, samples.get(`${s.name}/${def.name}`) ?? []);
    });
    addRatios(rows, s.peers);
    return { section, name: s.name, description: s.description, unit: s.unit, peers: s.peers, extraColumns: s.extraColumns ?? [], rows };
  });
}

/** The median round, carrying every round's figure in run order; failed when any round failed. */
function medianRow(target: string, rows: readonly Row[]): Row {
  const ok = rows.filter((r) => r.figures !== undefined);
  const sorted = [...ok].sort((a, b) => (a.figures?.value ?? 0) - (b.figures?.value ?? 0));
  const median = sorted[Math.floor((sorted.length - 1) / 2)];
  if (median?.figures === undefined || ok.length < rows.length) {
    const reason = rows.find((r) => r.status === 'failed')?.reason ?? 'not measured';
    return { target, status: 'failed', reason, ratios: {} };
  }
  return { ...median, figures: { ...median.figures, rounds: ok.map((r) => r.figures?.value ?? 0) } };
}

async function measureOne(targetName: string, scenario: ScenarioDef, target: RunningTarget, originPid: number, round: number): Promise<Row> {
  const label = `    ${`${scenario.name} #${round}`.padEnd(14)} ${targetName.padEnd(16)}`;
  try {
    if (round === 1) await scenario.warmUp?.(target);
    const pids = [target.pid, originPid];
    const before = sampleCpu(pids);
    const figures = await scenario.measure(target);
    const usage = usageBetween(before, sampleCpu(pids));
    const proxyPct = usage.processes[target.pid] ?? null;
    const proxyCore = usage.cores[PROXY_CPU];
    const foreignPct = canPin && proxyPct !== null && proxyCore !== undefined ? Math.max(0, proxyCore.busyPct - proxyCore.irqPct - proxyPct) : null;
    const cpu: MeasuredCpu = { proxyPct, originPct: usage.processes[originPid] ?? null, cores: usage.cores, foreignPct };
    console.log(
      `${label} ${formatFigure(figures.value).padStart(10)} ${scenario.unit}` +
        (figures.latencyMs === null ? '' : `  p50 ${formatMs(figures.latencyMs.p50)} ms  p99 ${formatMs(figures.latencyMs.p99)} ms`) +
        `  errors ${figures.errors}  proxy cpu ${formatPct(cpu.proxyPct)}  cpu${PROXY_CPU} ${formatPct(cpu.cores[PROXY_CPU]?.busyPct)}` +
        `  cpu${LOAD_CPU} ${formatPct(cpu.cores[LOAD_CPU]?.busyPct)}` +
        (isDisturbed(cpu) ? `  (* CPU ${PROXY_CPU} was ${formatPct(cpu.foreignPct)} busy outside the proxy)` : ''),
    );
    return { target: targetName, status: 'ok', figures, cpu, ratios: {} };
  } catch (err) {
    if (!interruption.stopping) console.log(`${label} failed: ${messageOf(err)}`);
    return { target: targetName, status: 'failed', reason: messageOf(err), ratios: {} };
  }
}

function addRatios(rows: Row[], peers: readonly string[]): void {
  for (const peer of peers) {
    const peerValue = rows.find((r) => r.target === peer && r.status === 'ok')?.figures?.value;
    if (peerValue === undefined || peerValue <= 0) continue;
    for (const row of rows) if (row.figures !== undefined) row.ratios[peer] = row.figures.value / peerValue;
  }
}

/** The table of one scenario: figure, latency, errors, CPU, and a ratio column per peer. */
export function renderScenario(report: ScenarioReport): string {
  const columns: Column[] = [
    { header: 'target' },
    { header: report.unit, align: 'right' },
    { header: 'range', align: 'right' },
    { header: 'p50 ms', align: 'right' },
    { header: 'p99 ms', align: 'right' },
    { header: 'errors', align: 'right' },
    ...report.extraColumns.map((header) => ({ header, align: 'right' as const })),
    { header: 'proxy cpu', align: 'right' },
    { header: `proxy us/${report.unit.replace(/\/s$/, '')}`, align: 'right' },
    { header: `cpu${PROXY_CPU} busy`, align: 'right' },
    { header: `cpu${LOAD_CPU} busy`, align: 'right' },
    ...report.peers.map((peer) => ({ header: `vs ${peer}`, align: 'right' as const })),
  ];
  const rows = report.rows.map((row) => {
    const f = row.figures;
    if (f === undefined) return [row.target, 'FAILED', ...columns.slice(2).map(() => '-')];
    return [
      row.target,
      formatFigure(f.value) + (isDisturbed(row.cpu) ? '*' : ''),
      formatRange(f.rounds),
      f.latencyMs === null ? '-' : formatMs(f.latencyMs.p50),
      f.latencyMs === null ? '-' : formatMs(f.latencyMs.p99),
      String(f.errors),
      ...report.extraColumns.map((c) => f.extra?.[c] ?? '-'),
      formatPct(row.cpu?.proxyPct),
      formatCostUs(row.cpu?.proxyPct, f.value),
      formatPct(row.cpu?.cores[PROXY_CPU]?.busyPct),
      formatPct(row.cpu?.cores[LOAD_CPU]?.busyPct),
      ...report.peers.map((peer) => formatRatio(row.ratios[peer])),
    ];
  });
  return formatTable(columns, rows);
}

/** Each goal's ratio (of the median rounds) from the reports; null when either side was not measured. */
export function evaluateGoals(goals: readonly Goal[], reports: readonly ScenarioReport[]): GoalResult[] {
  return goals.map((goal) => {
    const report = reports.find((r) => r.section === goal.section && r.name === goal.scenario);
    const row = report?.rows.find((r) => r.target === goal.target);
    const ratio = row?.ratios[goal.peer] ?? null;
    const roundRatios = ratiosByRound(row?.figures?.rounds, report?.rows.find((r) => r.target === goal.peer)?.figures?.rounds);
    return { ...goal, ratio, roundRatios, met: ratio === null ? null : ratio >= goal.atLeast };
  });
}

/** The lowest and highest of round i's ratio over all rounds both sides measured. */
function ratiosByRound(target: readonly number[] | undefined, peer: readonly number[] | undefined): GoalResult['roundRatios'] {
  if (target === undefined || peer === undefined || target.length !== peer.length || target.length === 0) return null;
  const ratios = target.map((value, i) => value / (peer[i] ?? Number.NaN)).filter((r) => Number.isFinite(r));
  return ratios.length === 0 ? null : { min: Math.min(...ratios), max: Math.max(...ratios) };
}

/** Runs one load generator (load.ts) on the load core and returns its result. */
export async function runLoad(mode: string, port: number, options: Record<string, string | number>, limitSec: number): Promise<LoadResult> {
  const args = [LOAD_ENTRY, mode, '--port', String(port), ...Object.entries(options).flatMap(([k, v]) => [`--${k}`, String(v)])];
  const proc = spawnTracked(`load ${mode}`, process.execPath, args, { cpu: LOAD_CPU, keepStdinOpen: true });
  const limitMs = limitSec * 1000 + OVERRUN_ALLOWANCE_MS;
  const finished = await Promise.race([proc.exited.then(() => true), sleep(limitMs, false)]);
  if (!finished) {
    await proc.stop();
    throw new Error(`load ${mode} did not finish within ${limitMs} ms:\n${proc.tail()}`);
  }
  const exit = await proc.exited;
  await proc.stop();
  const line = proc.stdout.split('\n').find((l) => l.startsWith(RESULT_MARKER));
  if (exit.code !== 0 || line === undefined) throw new Error(`load ${mode} exited with ${exit.code ?? exit.signal}:\n${proc.tail()}`);
  return JSON.parse(line.slice(RESULT_MARKER.length)) as LoadResult;
}

/** A load result as the figures of a scenario, `value` being its operations per second. */
export function figuresOf(result: LoadResult, scale = 1): Figures {
  return { value: result.opsPerSec * scale, latencyMs: result.latencyMs, errors: result.errors, detail: { ...result.detail, ops: result.ops, durationSec: result.durationSec } };
}

export function isDisturbed(cpu: MeasuredCpu | undefined): boolean {
  return cpu?.foreignPct !== undefined && cpu.foreignPct !== null && cpu.foreignPct > FOREIGN_LOAD_LIMIT_PCT;
}

/**
 * CPU time the proxy process spent per unit of the figure (per connection, per message, per MB):
 * comparable between targets even when the load core, not the proxy, set the pace.
 */
function formatCostUs(proxyPct: number | null | undefined, perSecond: number): string {
  if (proxyPct === null || proxyPct === undefined || perSecond <= 0) return '-';
  const us = (proxyPct / 100) * (1e6 / perSecond);
  return us >= 100 ? String(Math.round(us)) : us.toFixed(1);
}

/** Lowest and highest round, `-` for one round: how far to trust the median and its ratios. */
function formatRange(rounds: readonly number[] | undefined): string {
  if (rounds === undefined || rounds.length < 2) return '-';
  return `${formatFigure(Math.min(...rounds))}-${formatFigure(Math.max(...rounds))}`;
}

/** Large figures as integers, small ones (MB/s on a slow box) with one decimal. */
function formatFigure(value: number): string {
  return value >= 100 ? formatInteger(value) : value.toFixed(1);
}

export function formatPct(value: number | null | undefined): string {
  return value === null || value === undefined ? '-' : `${Math.round(value)}%`;
}

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
