// What watching costs: proxy throughput with one WebSocket subscriber receiving every event, against none.
// Usage: node test/dist/bench/events/run.js [--duration 10s | --quick] [--connections 50] [--rounds 3] [--encoding json|msgpack] [--subscriber-cpu 0|1|any]
// Needs wrk and nginx (scripts/bench-deps.sh installs them). The proxy runs with its admin listener in
// both runs (as `switchyard run` with `admin:`), so the one difference is the subscriber on /events?type=*.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { freePort } from '../http/free-port.js';
import { startNginxOrigin } from '../http/nginx.js';
import { benchSourceDir, repoRoot } from '../http/paths.js';
import { sampleCpu, usageBetween, type CpuUsage } from '../http/cpu-usage.js';
import { canPin, spawnTracked, stopAllProcesses, waitForPort } from '../http/processes.js';
import { formatInteger, formatRatio, formatTable } from '../http/table.js';
import { removeTempDirs } from '../http/temp-dirs.js';
import { runWrk, type WrkResult } from '../http/wrk.js';

const SERVER_ENTRY = join(repoRoot(), 'test', 'dist', 'bench', 'http', 'switchyard-server.js');
const SUBSCRIBER_ENTRY = join(repoRoot(), 'test', 'dist', 'bench', 'events', 'subscriber.js');
const WRK_CPU = 0;
const PROXY_CPU = 1;
/** The bar the issue sets: throughput with one subscriber of every event over throughput with none. */
const MIN_RATIO = 0.9;

interface Received {
  events: number;
  frames: number;
  bytes: number;
  dropped: number;
}

/**
 * One client of `/events?type=*` in its own process (subscriber.ts), pinned to the load core.
 * On the proxy's core it would take CPU from the proxy it measures; unpinned, the scheduler often
 * wakes it where the proxy wrote to it, on that same core. CPU 0 runs wrk and nginx at about half
 * load, so a client that counts lines fits beside them without slowing the load.
 */
async function subscribe(adminPort: number, encoding: string, cpu: number | undefined): Promise<{ pid: number; stop(): Promise<Received> }> {
  const proc = spawnTracked('subscriber', process.execPath, [SUBSCRIBER_ENTRY, String(adminPort), encoding], { ...(canPin && cpu !== undefined ? { cpu } : {}), keepStdinOpen: true });
  const deadline = Date.now() + 10_000;
  while (!proc.stdout.includes('open\n')) {
    if (proc.hasExited || Date.now() > deadline) throw new Error(`the subscriber did not connect:\n${proc.tail()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return {
    pid: proc.pid,
    async stop(): Promise<Received> {
      await proc.stop();
      const line = proc.stdout.trimEnd().split('\n').pop() ?? '';
      if (!line.startsWith('{')) throw new Error(`the subscriber reported nothing:\n${proc.tail()}`);
      return JSON.parse(line) as Received;
    },
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { duration: { type: 'string' }, quick: { type: 'boolean' }, connections: { type: 'string' }, rounds: { type: 'string' }, encoding: { type: 'string' }, 'subscriber-cpu': { type: 'string' } } });
  // Where the subscriber runs: CPU 0 (default, beside the load), 1 (the proxy's core) or `any` (unpinned), to show what placement costs.
  const subscriberCpuArg = values['subscriber-cpu'] ?? String(WRK_CPU);
  const subscriberCpu = subscriberCpuArg === 'any' ? undefined : Number(subscriberCpuArg);
  const encoding = values.encoding ?? 'json';
  if (encoding !== 'json' && encoding !== 'msgpack') throw new Error(`--encoding json|msgpack, not ${encoding}`);
  const durationSec = values.quick === true ? 3 : Number((values.duration ?? '10s').replace(/s$/, ''));
  const connections = Number(values.connections ?? 50);
  const rounds = Number(values.rounds ?? 3);
  const placement = canPin ? { cpu: WRK_CPU } : {};
  const origin = await startNginxOrigin(placement);
  const port = await freePort();
  const adminPort = await freePort();
  const proxy = spawnTracked('switchyard', process.execPath, [SERVER_ENTRY, String(port), String(origin.port), '--ws-subscriber', String(adminPort)], {
    ...(canPin ? { cpu: PROXY_CPU } : {}),
    keepStdinOpen: true,
  });
  await waitForPort(port, proxy);
  await waitForPort(adminPort, proxy);
  const load = (): Promise<WrkResult> => runWrk({ url: `http://127.0.0.1:${port}/`, connections, threads: 1, durationSec, ...(canPin ? { cpu: WRK_CPU } : {}) });

  await runWrk({ url: `http://127.0.0.1:${port}/`, connections, threads: 1, durationSec: 1, ...(canPin ? { cpu: WRK_CPU } : {}) }); // warm-up
  // Alternating rounds, medians compared: a machine that is busy for a while hurts both sides alike.
  const nones: WrkResult[] = [];
  const watcheds: WrkResult[] = [];
  const noneCpu: CpuUsage[] = [];
  const watchedCpu: CpuUsage[] = [];
  /** One wrk run, with the CPU the proxy (and the subscriber) used meanwhile. */
  const wrk = async (cpus: CpuUsage[], subscriberPid?: number): Promise<WrkResult> => {
    const pids = subscriberPid === undefined ? [proxy.pid] : [proxy.pid, subscriberPid];
    const before = sampleCpu(pids);
    const result = await load();
    cpus.push(usageBetween(before, sampleCpu(pids)));
    return result;
  };
  let delivered = 0;
  let frames = 0;
  let bytes = 0;
  let dropped = 0;
  let watchedSeconds = 0;
  for (let round = 0; round < rounds; round++) {
    nones.push(await wrk(noneCpu));
    const client = await subscribe(adminPort, encoding, subscriberCpu);
    const started = performance.now();
    watcheds.push(await wrk(watchedCpu, client.pid));
    // Frames still in flight when wrk stops belong to the run.
    await new Promise((resolve) => setTimeout(resolve, 300));
    watchedSeconds += (performance.now() - started) / 1000;
    const got = await client.stop();
    delivered += got.events;
    frames += got.frames;
    bytes += got.bytes;
    dropped += got.dropped;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const none = median(nones);
  const watched = median(watcheds);
  const sub = { events: delivered, frames, bytes, dropped };
  const seconds = watchedSeconds;
  const ratio = watched.requestsPerSec / none.requestsPerSec;
  const watchedRequests = watcheds.reduce((a, r) => a + r.requests, 0);
  const eventsPerRequest = watchedRequests === 0 ? 0 : (sub.events + sub.dropped) / watchedRequests;

  // CPU columns: medians over the rounds, in percent of one core.
  const cpuOf = (cpus: CpuUsage[], pick: (u: CpuUsage) => number | undefined): string => {
    const values = cpus.map(pick).filter((v): v is number => v !== undefined).sort((a, b) => a - b);
    return values.length === 0 ? '' : `${Math.round(values[Math.floor(values.length / 2)] as number)}%`;
  };
  const table = formatTable(
    [
      { header: 'run' },
      { header: 'req/s', align: 'right' },
      { header: 'events/s delivered', align: 'right' },
      { header: 'events dropped', align: 'right' },
      { header: 'wrk errors', align: 'right' },
      { header: 'proxy cpu', align: 'right' },
      { header: 'subscriber cpu', align: 'right' },
      { header: 'cpu0 busy', align: 'right' },
      { header: 'cpu1 busy', align: 'right' },
    ],
    [
      ['no subscriber', formatInteger(none.requestsPerSec), '', '', formatInteger(none.errors.total), cpuOf(noneCpu, (u) => u.processes[proxy.pid]), '', cpuOf(noneCpu, (u) => u.cores[0]?.busyPct), cpuOf(noneCpu, (u) => u.cores[1]?.busyPct)],
      [
        `one subscriber, type=*, ${encoding}`,
        formatInteger(watched.requestsPerSec),
        formatInteger(sub.events / seconds),
        formatInteger(sub.dropped),
        formatInteger(watched.errors.total),
        cpuOf(watchedCpu, (u) => u.processes[proxy.pid]),
        cpuOf(watchedCpu, (u) => Object.entries(u.processes).find(([pid]) => Number(pid) !== proxy.pid)?.[1]),
        cpuOf(watchedCpu, (u) => u.cores[0]?.busyPct),
        cpuOf(watchedCpu, (u) => u.cores[1]?.busyPct),
      ],
    ],
  );
  process.stdout.write(`${table}\n`);
  process.stdout.write(`throughput ratio (one subscriber / none): ${formatRatio(ratio)} (bar ${MIN_RATIO}); events per request ${eventsPerRequest.toFixed(1)}, per frame ${(sub.events / Math.max(1, sub.frames)).toFixed(1)}, bytes per event ${(sub.bytes / Math.max(1, sub.events)).toFixed(0)}; median of ${rounds} alternating ${durationSec}s runs, ${connections} connections${canPin ? `, wrk+origin on CPU 0, proxy on CPU 1, subscriber ${subscriberCpu === undefined ? 'unpinned' : `on CPU ${subscriberCpu}`}` : ', unpinned'}\n`);
  const outDir = join(benchSourceDir(), 'results');
  mkdirSync(outDir, { recursive: true });
  writeFileSync(
    join(outDir, 'events-latest.json'),
    `${JSON.stringify({ at: new Date().toISOString(), durationSec, rounds, connections, encoding, subscriberCpu: subscriberCpuArg, none, watched, nones, watcheds, noneCpu, watchedCpu, delivered: sub.events, frames: sub.frames, bytes: sub.bytes, dropped: sub.dropped, eventsPerSec: sub.events / seconds, ratio }, null, 2)}\n`,
  );
  await proxy.stop();
  await origin.stop();
  if (ratio < MIN_RATIO) process.exitCode = 1;
}

try {
  await main();
} finally {
  await stopAllProcesses();
  removeTempDirs();
}

function median(results: readonly WrkResult[]): WrkResult {
  const sorted = [...results].sort((a, b) => a.requestsPerSec - b.requestsPerSec);
  return sorted[Math.floor(sorted.length / 2)] as WrkResult;
}
