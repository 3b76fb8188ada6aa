// `switchyard run --workers N` as a child process: start it, read its admin API, and find its worker processes.
import assert from 'node:assert/strict';
import http from 'node:http';
import { startCli, type CliProcess } from './cli-process.js';
import type { Closers } from './closers.js';

/** One row of `GET /api/workers`. */
export interface WorkerRow {
  worker: number;
  node: string;
  pid: number;
  state: string;
  restarts: number;
  configVersion: number | null;
  counters: Record<string, { connectionsOpened: number; requests: number }> | null;
}

/** One event of the event stream, as `switchyard events --json` prints it or a WebSocket frame holds it. */
export type EventLine = { type: string; node: string; worker?: number };

/** Stops a `switchyard events --json` tail with SIGINT, checks it exits 0, and returns the events it printed. */
export async function stopEventsTail(events: CliProcess): Promise<EventLine[]> {
  events.signal('SIGINT');
  assert.equal((await events.exited).code, 0, events.stderr);
  return events.stdout.trim().split('\n').map((l) => JSON.parse(l) as EventLine);
}

export interface WorkersProcess {
  readonly cli: CliProcess;
  readonly url: string;
  readonly adminUrl: string;
  workers(): Promise<WorkerRow[]>;
  adminGet<T>(path: string): Promise<T>;
}

/** Starts `switchyard run --config FILE --workers N` and waits until the primary says it listens. */
export async function startWorkersProcess(file: string, workers: number, closers: Closers, extraArgs: readonly string[] = []): Promise<WorkersProcess> {
  const cli = startCli(['run', '--config', file, '--workers', String(workers), ...extraArgs], closers);
  const admin = await cli.waitForLog((l) => l.msg === 'admin API listening', { what: 'the admin API', timeoutMs: 20_000 });
  const listening = await cli.waitForLog((l) => l.msg === 'listening', { what: 'the proxy to listen', timeoutMs: 20_000 });
  const adminUrl = `http://${String(admin['address'])}`;
  const adminGet = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${adminUrl}${path}`, { signal: AbortSignal.timeout(5000) });
    if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return (path === '/metrics' ? await res.text() : await res.json()) as T;
  };
  // Every worker pid is killed after the test, even one a test orphaned by killing the primary.
  const started = await adminGet<{ slots: WorkerRow[] }>('/api/workers');
  const pids = new Set(started.slots.map((s) => s.pid));
  closers.add(async () => {
    const rows = await adminGet<{ slots: WorkerRow[] }>('/api/workers').then((v) => v.slots, () => []);
    for (const row of rows) pids.add(row.pid);
    for (const pid of pids) killQuietly(pid);
  });
  return {
    cli,
    url: `http://${String(listening['address'])}`,
    adminUrl,
    adminGet,
    workers: async () => (await adminGet<{ slots: WorkerRow[] }>('/api/workers')).slots,
  };
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** `count` GETs, each on a new connection, `concurrency` at a time; resolves with the statuses (0 for an error). */
export async function getOnFreshConnections(url: string, count: number, concurrency: number, path = '/'): Promise<number[]> {
  const statuses: number[] = [];
  let next = 0;
  const one = (): Promise<number> =>
    new Promise((resolve) => {
      const req = http.get(`${url}${path}`, { agent: false, headers: { connection: 'close' }, timeout: 5000 }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', () => resolve(0));
    });
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        next++;
        statuses.push(await one());
      }
    }),
  );
  return statuses;
}

/** The value of a Prometheus sample line `name{labels} value` (labels as written, or none). */
export function metricValue(text: string, name: string, labels = ''): number | undefined {
  const prefix = labels === '' ? `${name} ` : `${name}{${labels}} `;
  const line = text.split('\n').find((l) => l.startsWith(prefix));
  return line === undefined ? undefined : Number(line.slice(prefix.length));
}
