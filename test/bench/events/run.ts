// What watching costs: proxy throughput with one WebSocket subscriber receiving every event, against none.
// Usage: node test/dist/bench/events/run.js [--duration 10s | --quick] [--connections 50] [--rounds 3]
// Needs wrk and nginx (scripts/bench-deps.sh installs them). The proxy runs with its admin listener in
// both runs (as `switchyard run` with `admin:`), so the one difference is the subscriber on /events?type=*.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { decodeEventFrame } from '@switchyard/adapters';
import { WebSocket } from 'ws';
import { freePort } from '../http/free-port.js';
import { startNginxOrigin } from '../http/nginx.js';
import { benchSourceDir, repoRoot } from '../http/paths.js';
import { canPin, spawnTracked, stopAllProcesses, waitForPort } from '../http/processes.js';
import { formatInteger, formatRatio, formatTable } from '../http/table.js';
import { removeTempDirs } from '../http/temp-dirs.js';
import { runWrk, type WrkResult } from '../http/wrk.js';

const SERVER_ENTRY = join(repoRoot(), 'test', 'dist', 'bench', 'http', 'switchyard-server.js');
const WRK_CPU = 0;
const PROXY_CPU = 1;
/** The bar the issue sets: throughput with one subscriber of every event over throughput with none. */
const MIN_RATIO = 0.9;

interface Subscriber {
  events: number;
  frames: number;
  dropped: number;
  close(): void;
}

/** One client of `/events?type=*`, counting events and frames, and the events the server says it dropped for it. */
function subscribe(adminPort: number): Promise<Subscriber> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${adminPort}/events?type=*`, { perMessageDeflate: false });
    const sub: Subscriber = { events: 0, frames: 0, dropped: 0, close: () => ws.terminate() };
    ws.on('message', (data: Buffer) => {
      sub.frames++;
      // A text frame holds one event per line. Only a frame with a stream.dropped event is parsed;
      // the rest are counted by their newlines (like a client that hands lines on unparsed).
      if (data.includes('"stream.dropped"')) {
        for (const event of decodeEventFrame(data, false)) {
          if (event.type === 'stream.dropped') sub.dropped += Number(event['count'] ?? 0);
          else sub.events++;
        }
        return;
      }
      let lines = 1;
      for (let at = data.indexOf(10); at !== -1; at = data.indexOf(10, at + 1)) lines++;
      sub.events += lines;
    });
    ws.once('open', () => resolve(sub));
    ws.once('error', reject);
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { duration: { type: 'string' }, quick: { type: 'boolean' }, connections: { type: 'string' }, rounds: { type: 'string' } } });
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
  const wrk = (): Promise<WrkResult> => runWrk({ url: `http://127.0.0.1:${port}/`, connections, threads: 1, durationSec, ...(canPin ? { cpu: WRK_CPU } : {}) });

  await runWrk({ url: `http://127.0.0.1:${port}/`, connections, threads: 1, durationSec: 1, ...(canPin ? { cpu: WRK_CPU } : {}) }); // warm-up
  // Alternating rounds, medians compared: a machine that is busy for a while hurts both sides alike.
  const nones: WrkResult[] = [];
  const watcheds: WrkResult[] = [];
  let delivered = 0;
  let frames = 0;
  let dropped = 0;
  let watchedSeconds = 0;
  for (let round = 0; round < rounds; round++) {
    nones.push(await wrk());
    const sub = await subscribe(adminPort);
    const started = performance.now();
    watcheds.push(await wrk());
    // Frames still in flight when wrk stops belong to the run.
    await new Promise((resolve) => setTimeout(resolve, 300));
    watchedSeconds += (performance.now() - started) / 1000;
    delivered += sub.events;
    frames += sub.frames;
    dropped += sub.dropped;
    sub.close();
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const none = median(nones);
  const watched = median(watcheds);
  const sub = { events: delivered, frames, dropped };
  const seconds = watchedSeconds;
  const ratio = watched.requestsPerSec / none.requestsPerSec;
  const watchedRequests = watcheds.reduce((a, r) => a + r.requests, 0);
  const eventsPerRequest = watchedRequests === 0 ? 0 : (sub.events + sub.dropped) / watchedRequests;

  const table = formatTable(
    [{ header: 'run' }, { header: 'req/s', align: 'right' }, { header: 'events/s delivered', align: 'right' }, { header: 'events dropped', align: 'right' }, { header: 'wrk errors', align: 'right' }],
    [
      ['no subscriber', formatInteger(none.requestsPerSec), '', '', formatInteger(none.errors.total)],
      ['one subscriber, type=*', formatInteger(watched.requestsPerSec), formatInteger(sub.events / seconds), formatInteger(sub.dropped), formatInteger(watched.errors.total)],
    ],
  );
  process.stdout.write(`${table}\n`);
  process.stdout.write(`throughput ratio (one subscriber / none): ${formatRatio(ratio)} (bar ${MIN_RATIO}); events per request ${eventsPerRequest.toFixed(1)}, per frame ${(sub.events / Math.max(1, sub.frames)).toFixed(1)}; median of ${rounds} alternating ${durationSec}s runs, ${connections} connections${canPin ? ', wrk+origin on CPU 0, proxy on CPU 1' : ', unpinned'}\n`);
  const outDir = join(benchSourceDir(), 'results');
  mkdirSync(outDir, { recursive: true });
  writeFileSync(
    join(outDir, 'events-latest.json'),
    `${JSON.stringify({ at: new Date().toISOString(), durationSec, rounds, connections, none, watched, nones, watcheds, delivered: sub.events, frames: sub.frames, dropped: sub.dropped, eventsPerSec: sub.events / seconds, ratio }, null, 2)}\n`,
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
