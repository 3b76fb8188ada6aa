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
  /** tcp bulk: bytes per transfer, and transfers per target (the median is reported). */
  bulkBytes: number;
  bulkRounds: number;
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
  /** Every round when `value` is a median of several. */
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
  ratio: number | null;
  met: boolean | null;
}

/** Set on SIGINT/SIGTERM: sections stop measuring and only clean up. */
export const interruption = { stopping: false };

/**
 * Runs every scenario against every target, one target at a time, and returns a report per
 * scenario with ratios against the scenario's peers.
 */
export async function runSection(section: string, targets: readonly TargetDef[], scenarios: readonly ScenarioDef[], originPid: number): Promise<ScenarioReport[]> {
  const rows = new Map<string, Row[]>(scenarios.map((s) => [s.name, []]));
  for (const def of targets) {
    if (interruption.stopping) break;
    const failAll = (reason: string): void => {
      console.log(`  ${def.name}: ${reason}`);
      for (const s of scenarios) rows.get(s.name)?.push({ target: def.name, status: 'failed', reason, ratios: {} });
    };
    let target: RunningTarget;
    try {
      target = await def.start();
    } catch (err) {
      failAll(`failed to start: ${messageOf(err)}`);
      continue;
    }
    try {
      const problem = await def.check(target).catch((err: unknown) => messageOf(err));
      if (problem !== undefined) {
        failAll(`failed check: ${problem}`);
        continue;
      }
      console.log(`  ${def.name}: 127.0.0.1:${target.port} (pid ${target.pid})`);
      for (const scenario of scenarios) {
        if (interruption.stopping) break;
        rows.get(scenario.name)?.push(await measureOne(def.name, scenario, target, originPid));
      }
    } finally {
      await target.stop();
    }
  }
  return scenarios.map((s) => {
    const scenarioRows = rows.get(s.name) ?? [];
    addRatios(scenarioRows, s.peers);
    return { section, name: s.name, description: s.description, unit: s.unit, peers: s.peers, extraColumns: s.extraColumns ?? [], rows: scenarioRows };
  });
}

async function measureOne(targetName: string, scenario: ScenarioDef, target: RunningTarget, originPid: number): Promise<Row> {
  try {
    await scenario.warmUp?.(target);
    const pids = [target.pid, originPid];
    const before = sampleCpu(pids);
    const figures = await scenario.measure(target);
    const usage = usageBetween(before, sampleCpu(pids));
    const proxyPct = usage.processes[target.pid] ?? null;
    const proxyCore = usage.cores[PROXY_CPU];
    const foreignPct = canPin && proxyPct !== null && proxyCore !== undefined ? Math.max(0, proxyCore.busyPct - proxyCore.irqPct - proxyPct) : null;
    const cpu: MeasuredCpu = { proxyPct, originPct: usage.processes[originPid] ?? null, cores: usage.cores, foreignPct };
    console.log(
      `    ${scenario.name.padEnd(14)} ${formatFigure(figures.value).padStart(10)} ${scenario.unit}` +
        (figures.latencyMs === null ? '' : `  p50 ${formatMs(figures.latencyMs.p50)} ms  p99 ${formatMs(figures.latencyMs.p99)} ms`) +
        `  errors ${figures.errors}  proxy cpu ${formatPct(cpu.proxyPct)}  cpu${PROXY_CPU} ${formatPct(cpu.cores[PROXY_CPU]?.busyPct)}` +
        `  cpu${LOAD_CPU} ${formatPct(cpu.cores[LOAD_CPU]?.busyPct)}` +
        (isDisturbed(cpu) ? `  (* CPU ${PROXY_CPU} was ${formatPct(cpu.foreignPct)} busy outside the proxy)` : ''),
    );
    return { target: targetName, status: 'ok', figures, cpu, ratios: {} };
  } catch (err) {
    console.log(`    ${scenario.name}: failed: ${messageOf(err)}`);
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
    { header: 'p50 ms', align: 'right' },
    { header: 'p99 ms', align: 'right' },
    { header: 'errors', align: 'right' },
    ...report.extraColumns.map((header) => ({ header, align: 'right' as const })),
    { header: 'proxy cpu', align: 'right' },
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
      f.latencyMs === null ? '-' : formatMs(f.latencyMs.p50),
      f.latencyMs === null ? '-' : formatMs(f.latencyMs.p99),
      String(f.errors),
      ...report.extraColumns.map((c) => f.extra?.[c] ?? '-'),
      formatPct(row.cpu?.proxyPct),
      formatPct(row.cpu?.cores[PROXY_CPU]?.busyPct),
      formatPct(row.cpu?.cores[LOAD_CPU]?.busyPct),
      ...report.peers.map((peer) => formatRatio(row.ratios[peer])),
    ];
  });
  return formatTable(columns, rows);
}

/** Each goal's ratio from the reports; null when either side was not measured. */
export function evaluateGoals(goals: readonly Goal[], reports: readonly ScenarioReport[]): GoalResult[] {
  return goals.map((goal) => {
    const report = reports.find((r) => r.section === goal.section && r.name === goal.scenario);
    const ratio = report?.rows.find((r) => r.target === goal.target)?.ratios[goal.peer] ?? null;
    return { ...goal, ratio, met: ratio === null ? null : ratio >= goal.atLeast };
  });
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

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

export function isDisturbed(cpu: MeasuredCpu | undefined): boolean {
  return cpu?.foreignPct !== undefined && cpu.foreignPct !== null && cpu.foreignPct > FOREIGN_LOAD_LIMIT_PCT;
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
