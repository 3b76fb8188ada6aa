// Worker processes: req/s of `switchyard run` with workers 1 and 2 (same run), and of nginx with the same worker counts.
// Usage: node test/dist/bench/workers/run.js [--duration 10s] [--connections 50] [--workers 1,2]
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { freePort } from '../http/free-port.js';
import { httpCommon, startNginxOrigin, type NginxInstance } from '../http/nginx.js';
import { benchSourceDir, repoRoot } from '../http/paths.js';
import { hasCommand, spawnTracked, stopAllProcesses, waitForPort, type ManagedProcess } from '../http/processes.js';
import { formatInteger, formatMs, formatRatio, formatTable } from '../http/table.js';
import { makeTempDir, removeTempDirs } from '../http/temp-dirs.js';
import { runWrk, type WrkResult } from '../http/wrk.js';

const CLI_MAIN = join(repoRoot(), 'adapters', 'dist', 'src', 'cli', 'main.js');
const WARMUP_SEC = 1;

interface Row {
  proxy: 'switchyard' | 'nginx';
  workers: number;
  result: WrkResult;
  /** Connections each switchyard worker accepted during the warm-up and the measured run. */
  split?: number[];
}

const { values } = parseArgs({
  options: { duration: { type: 'string', default: '10s' }, connections: { type: 'string', default: '50' }, workers: { type: 'string', default: '1,2' } },
});
const durationSec = Number.parseInt(values.duration ?? '10', 10);
const connections = Number.parseInt(values.connections ?? '50', 10);
const workerCounts = (values.workers ?? '1,2').split(',').map((w) => Number.parseInt(w, 10));

async function startSwitchyardWorkers(originPort: number, workers: number): Promise<{ port: number; adminPort: number; proc: ManagedProcess }> {
  const port = await freePort();
  const adminPort = await freePort();
  const dir = makeTempDir(`switchyard-w${workers}`);
  const file = join(dir, 'switchyard.json');
  writeFileSync(
    file,
    JSON.stringify({
      log: { level: 'warn' },
      server: { accessLog: { enabled: false } },
      admin: { address: `127.0.0.1:${adminPort}` },
      listeners: [{ name: 'web', address: `127.0.0.1:${port}` }],
      routes: [{ name: 'all', forward: { upstream: 'origin' } }],
      upstreams: [{ name: 'origin', targets: [{ address: `127.0.0.1:${originPort}` }] }],
    }),
  );
  const proc = spawnTracked(`switchyard-w${workers}`, process.execPath, [CLI_MAIN, 'run', '--config', file, '--workers', String(workers)]);
  await waitForPort(port, proc, 20_000);
  await waitForPort(adminPort, proc, 20_000);
  return { port, adminPort, proc };
}

/** nginx as in the HTTP bench (keep-alive upstream pool), but with a master and `workers` worker processes. */
async function startNginxWorkers(originPort: number, workers: number): Promise<NginxInstance> {
  const port = await freePort();
  const dir = makeTempDir(`nginx-w${workers}`);
  mkdirSync(join(dir, 'tmp'));
  const conf = join(dir, 'nginx.conf');
  writeFileSync(
    conf,
    [
      'daemon off;',
      'master_process on;',
      `worker_processes ${workers};`,
      'worker_rlimit_nofile 16384;',
      `pid ${dir}/nginx.pid;`,
      `error_log ${dir}/error.log warn;`,
      // accept_mutex off + reuseport: each worker has its own accept queue, as Linux spreads them.
      'events { worker_connections 4096; accept_mutex off; }',
      `http {
    ${httpCommon(dir)}
    upstream origin { server 127.0.0.1:${originPort}; keepalive 64; keepalive_requests 100000000; }
    server {
        listen 127.0.0.1:${port} backlog=4096 reuseport;
        location / { proxy_pass http://origin; proxy_http_version 1.1; proxy_set_header Connection ""; }
    }
}`,
      '',
    ].join('\n'),
  );
  const proc = spawnTracked(`nginx-w${workers}`, 'nginx', ['-p', `${dir}/`, '-e', join(dir, 'error.log'), '-c', conf]);
  await waitForPort(port, proc);
  return { port, pid: proc.pid, dir, process: proc, stop: () => proc.stop() };
}

async function measure(port: number): Promise<WrkResult> {
  const url = `http://127.0.0.1:${port}/`;
  await runWrk({ url, connections, threads: 1, durationSec: WARMUP_SEC });
  return runWrk({ url, connections, threads: 1, durationSec });
}

async function connectionsPerWorker(adminPort: number): Promise<number[]> {
  const res = await fetch(`http://127.0.0.1:${adminPort}/api/workers`);
  const view = (await res.json()) as { slots: { counters: Record<string, { connectionsOpened: number }> | null }[] };
  return view.slots.map((s) => s.counters?.['web']?.connectionsOpened ?? 0);
}

async function main(): Promise<number> {
  for (const command of ['wrk', 'nginx']) {
    if (!hasCommand(command)) {
      console.error(`${command} is missing: run bash scripts/bench-deps.sh`);
      return 1;
    }
  }
  const cores = availableParallelism();
  console.log(`cores: ${cores} (${cpus()[0]?.model ?? 'unknown'}); wrk: 1 thread, ${connections} connections, ${durationSec} s per row, keep-alive, 13-byte body`);
  console.log('Nothing is pinned: the origin, wrk and every proxy worker share these cores.');
  const origin = await startNginxOrigin();
  const rows: Row[] = [];
  try {
    for (const workers of workerCounts) {
      const sy = await startSwitchyardWorkers(origin.port, workers);
      try {
        const before = workers > 1 ? await connectionsPerWorker(sy.adminPort) : [];
        const result = await measure(sy.port);
        const after = workers > 1 ? await connectionsPerWorker(sy.adminPort) : [];
        rows.push({ proxy: 'switchyard', workers, result, ...(workers > 1 ? { split: after.map((n, i) => n - (before[i] ?? 0)) } : {}) });
      } finally {
        await sy.proc.stop();
      }
      const nginx = await startNginxWorkers(origin.port, workers);
      try {
        rows.push({ proxy: 'nginx', workers, result: await measure(nginx.port) });
      } finally {
        await nginx.stop();
      }
    }
  } finally {
    await origin.stop();
  }

  const base = (proxy: Row['proxy']): number | undefined => rows.find((r) => r.proxy === proxy && r.workers === 1)?.result.requestsPerSec;
  const nginxAt = (workers: number): number | undefined => rows.find((r) => r.proxy === 'nginx' && r.workers === workers)?.result.requestsPerSec;
  console.log(
    formatTable(
      [
        { header: 'proxy' },
        { header: 'workers', align: 'right' },
        { header: 'req/s', align: 'right' },
        { header: 'p50 ms', align: 'right' },
        { header: 'p99 ms', align: 'right' },
        { header: 'errors', align: 'right' },
        { header: 'vs 1 worker', align: 'right' },
        { header: 'vs nginx', align: 'right' },
        { header: 'connections per worker', align: 'right' },
      ],
      rows.map((r) => {
        const one = base(r.proxy);
        const nginx = nginxAt(r.workers);
        return [
          r.proxy,
          String(r.workers),
          formatInteger(r.result.requestsPerSec),
          formatMs(r.result.latencyMs.p50),
          formatMs(r.result.latencyMs.p99),
          String(r.result.errors.total),
          formatRatio(one === undefined ? undefined : r.result.requestsPerSec / one),
          r.proxy === 'nginx' ? '' : formatRatio(nginx === undefined ? undefined : r.result.requestsPerSec / nginx),
          r.split?.join(' / ') ?? '',
        ];
      }),
    ),
  );
  const out = join(benchSourceDir(), 'results', 'workers-latest.json');
  writeFileSync(out, `${JSON.stringify({ at: new Date().toISOString(), cores, connections, durationSec, rows }, null, 2)}\n`);
  console.log(`saved ${out}`);
  return 0;
}

let code = 1;
try {
  code = await main();
} catch (err) {
  console.error(err);
} finally {
  await stopAllProcesses();
  removeTempDirs();
}
process.exit(code);
