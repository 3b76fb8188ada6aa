// `switchyard run --workers 2`: a worker killed with -9 under load is restarted while the other serves; reload and SIGTERM reach every worker.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeEventFrame } from '@switchyard/adapters';
import WebSocket from 'ws';
import { Closers } from '../helpers/closers.js';
import { configDir, delay, startProbedOrigin, waitUntil, writeConfig, type ProbedOrigin } from '../helpers/cluster-harness.js';
import { startLoad } from '../helpers/load-loop.js';
import { getOnFreshConnections, isAlive, startWorkersProcess, type WorkersProcess } from '../helpers/workers-harness.js';

let slowAddress = '';

function config(origins: readonly ProbedOrigin[], routes: unknown[] = []): Record<string, unknown> {
  return {
    log: { level: 'info' },
    server: { accessLog: { enabled: false }, shutdownTimeout: '10s' },
    admin: { address: '127.0.0.1:0' },
    listeners: [{ name: 'web', address: '127.0.0.1:0' }],
    routes: [...routes, { name: 'slow', match: { path: '/slow' }, forward: { upstream: 'slow' } }, { name: 'all', forward: { upstream: 'api' } }],
    upstreams: [
      { name: 'api', targets: origins.map((o) => ({ address: o.address })), passive: { enabled: false } },
      { name: 'slow', targets: [{ address: slowAddress }], passive: { enabled: false } },
    ],
  };
}

describe('worker process lifecycle (integration)', function () {
  this.timeout(60_000);
  const closers = new Closers();
  let origins: ProbedOrigin[];
  let dir: string;
  let file: string;
  let proxy: WorkersProcess;

  beforeEach(async () => {
    origins = [await startProbedOrigin('o1', closers), await startProbedOrigin('o2', closers)];
    const slow = http.createServer((_req, res) => void setTimeout(() => res.end('slow\n'), 1000).unref());
    await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
    closers.add(() => new Promise<void>((resolve) => slow.close(() => resolve())));
    slowAddress = `127.0.0.1:${(slow.address() as AddressInfo).port}`;
    dir = configDir(closers);
    file = writeConfig(dir, 'switchyard.json', config(origins));
    proxy = await startWorkersProcess(file, 2, closers);
  });
  afterEach(() => closers.closeAll());

  it('restarts a worker killed with -9 under load, with an event, while the other keeps serving', async () => {
    const events: Record<string, unknown>[] = [];
    const ws = new WebSocket(`${proxy.adminUrl.replace('http', 'ws')}/events?type=worker.*`);
    closers.add(() => ws.terminate());
    ws.on('message', (data: Buffer, isBinary: boolean) => events.push(...decodeEventFrame(data, isBinary)));
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));

    const before = await proxy.workers();
    const victim = before[0] as (typeof before)[number];
    const load = startLoad({ url: proxy.url, clients: 8, maxMs: 20_000 });
    await delay(500);
    const atKill = load.outcomes.length;
    process.kill(victim.pid, 'SIGKILL');
    await delay(300);
    const afterKill = load.outcomes.length;
    await waitUntil(async () => (await proxy.workers()).every((w) => w.state === 'ready' && w.pid !== victim.pid), 10_000, 'worker 1 to come back');
    await delay(500);
    load.stop();
    await load.done;

    const failed = load.outcomes.filter((o) => o.status !== 200);
    console.log(`      ${load.outcomes.length} requests, ${failed.length} failed (in flight on the killed worker): ${[...new Set(failed.map((f) => f.error ?? f.status))].join(', ')}`);
    assert.ok(afterKill > atKill, 'requests kept completing right after the kill');
    assert.ok(failed.length <= 8, `at most one failure per client (its request in flight on the killed worker), got ${failed.length}`);
    const after = await proxy.workers();
    assert.equal(after[0]?.restarts, 1);
    assert.notEqual(after[0]?.pid, victim.pid);
    assert.equal(after[1]?.pid, before[1]?.pid, 'the other worker was not touched');
    assert.ok(!isAlive(victim.pid));
    // The restarted worker takes connections again.
    await getOnFreshConnections(proxy.url, 200, 16);
    const rows = await proxy.workers();
    assert.ok((rows[0]?.counters?.['web']?.connectionsOpened ?? 0) > 0, 'the restarted worker serves');
    await waitUntil(() => events.some((e) => e['type'] === 'worker.restarted'), 5000, 'worker.restarted on the event stream');
    const exited = events.find((e) => e['type'] === 'worker.exited');
    assert.equal(exited?.['worker'], 1);
    assert.equal(exited?.['signal'], 'SIGKILL');
    assert.equal(typeof exited?.['restartInMs'], 'number');
  });

  it('reloads every worker on SIGHUP, and drains every worker on SIGTERM before exiting 0', async () => {
    writeConfig(dir, 'switchyard.json', config(origins, [{ name: 'new', match: { path: '/new' }, respond: { status: 299, body: 'new' } }]));
    const from = proxy.cli.logs.length;
    proxy.cli.signal('SIGHUP');
    await proxy.cli.waitForLog((l) => l.msg === 'config reloaded', { from, what: 'the reload' });
    const statuses = await getOnFreshConnections(proxy.url, 100, 8, '/new');
    assert.deepEqual([...new Set(statuses)], [299], 'every worker serves the new config');
    const rows = await proxy.workers();
    assert.deepEqual(rows.map((r) => r.configVersion), [2, 2]);
    assert.ok(rows.every((r) => (r.counters?.['web']?.requests ?? 0) > 0), 'both workers answered /new');
    const node = await proxy.adminGet<{ configVersion: number }>('/api/node');
    assert.equal(node.configVersion, 2);

    // A slow request on each worker (fresh connections land on both) is still answered after SIGTERM.
    const pids = rows.map((r) => r.pid);
    const slow = Array.from({ length: 6 }, () => slowGet(proxy.url));
    await delay(200);
    proxy.cli.signal('SIGTERM');
    const answers = await Promise.all(slow);
    assert.deepEqual([...new Set(answers)], [200]);
    const exit = await proxy.cli.exited;
    assert.equal(exit.code, 0, proxy.cli.stderr.slice(-2000));
    await waitUntil(() => pids.every((pid) => !isAlive(pid)), 5000, 'the workers to exit');
    const stopped = proxy.cli.logs.filter((l) => l.msg === 'worker shutting down').map((l) => l['worker']);
    assert.deepEqual([...stopped].sort(), [1, 2]);
  });
});

/** GET /slow (its origin answers after 1 s) on a connection of its own. */
function slowGet(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get(`${url}/slow`, { agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(0));
  });
}
