// Runs wrk with a JSON-reporting Lua script and parses its result.
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { benchSourceDir } from './paths.js';
import { spawnTracked } from './processes.js';
import { setTimeout as sleep } from 'node:timers/promises';

const REPORT_MARKER = 'WRK_REPORT ';
/** wrk is given this long beyond its duration before the harness kills it. */
const OVERRUN_ALLOWANCE_MS = 15_000;

export interface WrkOptions {
  url: string;
  connections: number;
  threads: number;
  durationSec: number;
  /** Extra request headers, e.g. `{ Connection: 'close' }`. */
  headers?: Readonly<Record<string, string>>;
  /** Pin wrk to this CPU. */
  cpu?: number;
  /** Per-request timeout; slower responses count as timeout errors. */
  timeoutSec?: number;
  /** Lua script path; defaults to the JSON reporter beside this file in the source tree. */
  script?: string;
}

export interface WrkErrors {
  connect: number;
  read: number;
  write: number;
  timeout: number;
  /** Responses that were not 2xx or 3xx. */
  status: number;
  total: number;
}

export interface LatencyMs {
  min: number;
  mean: number;
  stdev: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
}

export interface WrkResult {
  requests: number;
  durationSec: number;
  requestsPerSec: number;
  bytes: number;
  latencyMs: LatencyMs;
  errors: WrkErrors;
}

/** The Lua reporter shipped in the source tree (found from the compiled location too). */
export function defaultWrkScript(): string {
  return join(benchSourceDir(), 'http', 'wrk-report.lua');
}

/**
 * Runs one wrk measurement and returns its parsed report.
 * @example
 *   const r = await runWrk({ url: 'http://127.0.0.1:8080/', connections: 50, threads: 1, durationSec: 10, cpu: 0 });
 *   console.log(r.requestsPerSec, r.latencyMs.p99);
 */
export async function runWrk(options: WrkOptions): Promise<WrkResult> {
  const script = options.script ?? defaultWrkScript();
  if (!existsSync(script)) throw new Error(`wrk: Lua script not found at ${script}`);
  const args = [
    `-t${options.threads}`,
    `-c${options.connections}`,
    `-d${options.durationSec}s`,
    `--timeout`,
    `${options.timeoutSec ?? 5}s`,
    '-s',
    script,
  ];
  for (const [name, value] of Object.entries(options.headers ?? {})) args.push('-H', `${name}: ${value}`);
  args.push(options.url);

  const proc = spawnTracked('wrk', 'wrk', args, options.cpu === undefined ? {} : { cpu: options.cpu });
  const limitMs = options.durationSec * 1000 + OVERRUN_ALLOWANCE_MS;
  const finished = await Promise.race([proc.exited.then(() => true), sleep(limitMs, false)]);
  if (!finished) {
    await proc.stop();
    throw new Error(`wrk did not finish within ${limitMs} ms:\n${proc.tail()}`);
  }
  const exit = await proc.exited;
  if (exit.code !== 0) throw new Error(`wrk exited with ${exit.code ?? exit.signal}:\n${proc.tail()}`);
  return parseWrkReport(proc.stdout);
}

/** Parses the `WRK_REPORT {json}` line printed by wrk-report.lua. */
export function parseWrkReport(stdout: string): WrkResult {
  const line = stdout.split('\n').find((l) => l.startsWith(REPORT_MARKER));
  if (line === undefined) throw new Error(`wrk: no ${REPORT_MARKER.trim()} line in output:\n${stdout}`);
  const raw = JSON.parse(line.slice(REPORT_MARKER.length)) as RawReport;
  const durationSec = raw.duration_us / 1e6;
  const us = raw.latency_us;
  const e = raw.errors;
  return {
    requests: raw.requests,
    durationSec,
    requestsPerSec: durationSec > 0 ? raw.requests / durationSec : 0,
    bytes: raw.bytes,
    latencyMs: {
      min: us.min / 1000,
      mean: us.mean / 1000,
      stdev: us.stdev / 1000,
      p50: us.p50 / 1000,
      p90: us.p90 / 1000,
      p99: us.p99 / 1000,
      p999: us.p999 / 1000,
      max: us.max / 1000,
    },
    errors: { ...e, total: e.connect + e.read + e.write + e.timeout + e.status },
  };
}

interface RawReport {
  requests: number;
  duration_us: number;
  bytes: number;
  errors: { connect: number; read: number; write: number; status: number; timeout: number };
  latency_us: { min: number; mean: number; stdev: number; p50: number; p90: number; p99: number; p999: number; max: number };
}
