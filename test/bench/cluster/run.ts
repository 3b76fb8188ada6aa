// Cluster benchmark: three `switchyard run` processes over a real nats-server. See test/bench/README.md ("Cluster").
import http from 'node:http';
import { writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { decodeEventFrame } from '@switchyard/adapters';
import { WebSocket } from 'ws';
import { Closers } from '../../helpers/closers.js';
import {
  adminGet,
  clusterConfig,
  configDir,
  delay,
  mayTakeTraffic,
  seesMembers,
  startNodeProcess,
  startProbedOrigin,
  waitUntil,
  writeConfig,
  type ClusterNodeProcess,
  type ClusterView,
  type ProbedOrigin,
} from '../../helpers/cluster-harness.js';
import { NatsServer } from '../../helpers/nats-server.js';
import { repoRoot } from '../../helpers/repo-root.js';

const NAMES = ['node-a', 'node-b', 'node-c'] as const;
const args = process.argv.slice(2);
const isQuick = args.includes('--quick');
const LOAD_MS = isQuick ? 2000 : 5000;
const ROUNDS = isQuick ? 3 : 10;
const INTERVAL_MS = 1000;

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

function get(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get(url, { agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(0));
  });
}

/** Sends requests to `urls` round robin from `concurrency` loops for `ms`; returns how many succeeded. */
async function load(urls: readonly string[], ms: number, concurrency = 32): Promise<{ ok: number; failed: number }> {
  const until = Date.now() + ms;
  let ok = 0;
  let failed = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, w) => {
      for (let i = w; Date.now() < until; i++) {
        if ((await get(urls[i % urls.length] as string)) === 200) ok++;
        else failed++;
      }
    }),
  );
  return { ok, failed };
}

function stats(values: number[]): { min: number; median: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  return { min: sorted[0] ?? 0, median: sorted[Math.floor(sorted.length / 2)] ?? 0, max: sorted[sorted.length - 1] ?? 0 };
}

async function framesSent(nodes: readonly ClusterNodeProcess[]): Promise<number> {
  let sum = 0;
  for (const n of nodes) sum += (await adminGet<ClusterView>(n, '/api/cluster')).frames.sent;
  return sum;
}

async function main(): Promise<void> {
  const closers = new Closers();
  const results: Record<string, unknown> = { at: new Date().toISOString(), nodes: 3, quick: isQuick };
  try {
    const nats = await NatsServer.start();
    closers.add(() => nats.stop());
    const dir = configDir(closers);
    const origins: ProbedOrigin[] = [];
    for (let i = 0; i < ROUNDS + 3; i++) origins.push(await startProbedOrigin(`o${i}`, closers));
    const base = clusterConfig(nats, origins, { intervalMs: INTERVAL_MS });
    const file = writeConfig(dir, 'switchyard.json', base);
    const nodes = await Promise.all(NAMES.map((name) => startNodeProcess(name, file, closers)));
    await waitUntil(async () => (await Promise.all(nodes.map((n) => seesMembers(n, NAMES)))).every(Boolean), 15_000, 'the cluster to form');
    await delay(INTERVAL_MS * 2);
    const urls = nodes.map((n) => n.url);

    // 1. Origin death → every node routes around it (healthCheck interval 1 s, fastInterval 500 ms, unhealthyThreshold 2).
    const deaths: number[] = [];
    for (let i = 0; i < Math.min(ROUNDS, 5); i++) {
      const victim = origins[i] as ProbedOrigin;
      const at = Date.now();
      await victim.kill();
      await waitUntil(async () => (await Promise.all(nodes.map((n) => mayTakeTraffic(n, victim.address)))).every((m) => m === false), 10_000, 'routing around', 5);
      deaths.push(Date.now() - at);
      await delay(300);
    }
    results['originDeathToAllNodesMs'] = { ...stats(deaths), bound: INTERVAL_MS * 2 + 1000, samples: deaths };

    // 2. Config rollout to three nodes: POST /api/config/push answers once all three applied.
    const rollouts: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const next = clusterConfig(nats, origins, { intervalMs: INTERVAL_MS, routes: [{ name: `r${i}`, match: { path: '/v' }, respond: { status: 200, body: `v${i}` } }, { name: 'all', forward: { upstream: 'api' } }] });
      const at = performance.now();
      const res = await fetch(`${nodes[i % 3]?.adminUrl}/api/config/push`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(next) });
      const body = (await res.json()) as { isCommitted?: boolean };
      if (res.status !== 200 || body.isCommitted !== true) throw new Error(`push ${i} failed: ${res.status} ${JSON.stringify(body)}`);
      rollouts.push(Math.round((performance.now() - at) * 10) / 10);
    }
    results['configRolloutMs'] = { ...stats(rollouts), samples: rollouts };

    // 3. NATS messages per proxied request with nobody subscribed cluster-wide: frames beyond the idle heartbeat rate.
    const idleBefore = await framesSent(nodes);
    await delay(LOAD_MS);
    const idleFrames = (await framesSent(nodes)) - idleBefore;
    const loadBefore = await framesSent(nodes);
    const quiet = await load(urls, LOAD_MS);
    const loadFrames = (await framesSent(nodes)) - loadBefore;
    results['natsMessagesPerRequestUnsubscribed'] = {
      requests: quiet.ok,
      failed: quiet.failed,
      framesDuringLoad: loadFrames,
      framesSameTimeIdle: idleFrames,
      perRequest: Math.max(0, loadFrames - idleFrames) / Math.max(1, quiet.ok),
    };

    // 4. Cluster event fan-in: a scope=cluster stream on node-a while node-b and node-c serve load.
    const ws = new WebSocket(`${nodes[0]?.adminUrl.replace('http', 'ws')}/events?scope=cluster&type=request.completed`);
    let remote = 0;
    let dropped = 0;
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      for (const event of decodeEventFrame(data, isBinary)) {
        if (event.type === 'request.completed' && event['node'] !== 'node-a') remote++;
        else if (event.type === 'stream.dropped' || event.type === 'cluster.events-dropped') dropped += Number(event['count'] ?? 0);
      }
    });
    await new Promise<void>((resolve, reject) => ws.once('open', () => resolve()).once('error', reject));
    await waitUntil(async () => {
      await get(urls[1] as string);
      await get(urls[2] as string);
      return remote >= 2;
    }, 10_000, 'relayed events', 100);
    const fanBefore = await framesSent(nodes);
    remote = 0;
    const started = performance.now();
    const busy = await load([urls[1] as string, urls[2] as string], LOAD_MS);
    await delay(300);
    const seconds = (performance.now() - started) / 1000;
    const fanFrames = (await framesSent(nodes)) - fanBefore;
    ws.close();
    results['clusterEventFanIn'] = {
      requests: busy.ok,
      eventsReceived: remote,
      eventsPerSecond: Math.round(remote / seconds),
      requestsPerSecond: Math.round(busy.ok / seconds),
      dropped,
      natsFrames: fanFrames,
      natsMessagesPerRequestSubscribed: fanFrames / Math.max(1, busy.ok),
    };
  } finally {
    await closers.closeAll();
    agent.destroy();
  }
  const text = JSON.stringify(results, null, 2);
  console.log(text);
  const dir = path.join(repoRoot, 'test', 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'cluster-latest.json'), `${text}\n`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
