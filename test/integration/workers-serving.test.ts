// `switchyard run --workers 2`: both workers take connections, counters and metrics are the node's sum, and each target is probed once per node.
import assert from 'node:assert/strict';
import { startCli } from '../helpers/cli-process.js';
import { Closers } from '../helpers/closers.js';
import { configDir, delay, startProbedOrigin, waitUntil, writeConfig, type ProbedOrigin } from '../helpers/cluster-harness.js';
import { getOnFreshConnections, metricValue, startWorkersProcess, stopEventsTail, type WorkersProcess } from '../helpers/workers-harness.js';

const INTERVAL_MS = 1000;

function workersConfig(origins: readonly ProbedOrigin[]): Record<string, unknown> {
  return {
    log: { level: 'info' },
    server: { accessLog: { enabled: false } },
    admin: { address: '127.0.0.1:0' },
    listeners: [{ name: 'web', address: '127.0.0.1:0' }],
    routes: [{ name: 'all', forward: { upstream: 'api' } }],
    upstreams: [
      {
        name: 'api',
        targets: origins.map((o) => ({ address: o.address })),
        healthCheck: { type: 'http', path: '/health', interval: `${INTERVAL_MS}ms`, timeout: '300ms', jitter: 0, unhealthyThreshold: 2, healthyThreshold: 1 },
        passive: { enabled: false },
      },
    ],
  };
}

describe('worker processes serving one node (integration)', function () {
  this.timeout(60_000);
  const closers = new Closers();
  let origins: ProbedOrigin[];
  let proxy: WorkersProcess;

  beforeEach(async () => {
    origins = [];
    for (const id of ['o1', 'o2', 'o3', 'o4']) origins.push(await startProbedOrigin(id, closers));
    const file = writeConfig(configDir(closers), 'switchyard.json', workersConfig(origins));
    proxy = await startWorkersProcess(file, 2, closers);
  });
  afterEach(() => closers.closeAll());

  it('shows every worker\'s events, tagged with its worker, on the node\'s default event stream (`switchyard events`)', async () => {
    const events = startCli(['events', '--type', 'request.completed', '--json', '--admin', proxy.adminUrl], closers);
    await waitUntil(async () => {
      await getOnFreshConnections(proxy.url, 16, 4);
      return [1, 2].every((slot) => events.stdout.includes(`"worker":${slot}`));
    }, 10_000, 'request events of both workers', 200);
    for (const f of await stopEventsTail(events)) {
      assert.equal(f.type, 'request.completed');
      assert.match(f.node, new RegExp(`-w${String(f.worker)}$`), 'tagged with its worker');
    }
  });

  it('spreads connections over both workers, and the node counts each one once', async () => {
    const statuses = await getOnFreshConnections(proxy.url, 400, 16);
    assert.equal(statuses.filter((s) => s === 200).length, 400, `statuses: ${JSON.stringify(statuses.filter((s) => s !== 200))}`);
    const rows = await proxy.workers();
    const opened = rows.map((r) => r.counters?.['web']?.connectionsOpened ?? 0);
    console.log(`      connections per worker (SCHED_NONE, kernel's choice): ${opened.join(' / ')} of 400`);
    assert.equal(rows.length, 2);
    for (const [i, n] of opened.entries()) assert.ok(n > 0, `worker ${i + 1} took no connection: ${opened.join(' / ')}`);
    assert.equal(opened.reduce((a, b) => a + b, 0), 400);
    // The node-wide view (at most one status interval old) is the sum.
    await delay(700);
    const listeners = await proxy.adminGet<{ listeners: { name: string; counters: { connectionsOpened: number; requests: number } }[] }>('/api/listeners');
    assert.equal(listeners.listeners[0]?.counters.connectionsOpened, 400);
    assert.equal(listeners.listeners[0]?.counters.requests, 400);
  });

  it('sums the workers\' metrics: requests, open connections, one config version', async () => {
    const statuses = await getOnFreshConnections(proxy.url, 120, 8);
    assert.ok(statuses.every((s) => s === 200));
    const rows = await proxy.workers();
    const perWorker = rows.map((r) => r.counters?.['web']?.requests ?? 0);
    assert.ok(perWorker.every((n) => n > 0), `per worker: ${perWorker.join(' / ')}`);
    const text = await proxy.adminGet<string>('/metrics');
    assert.equal(metricValue(text, 'switchyard_requests_total', 'route="all",status="200",upstream="api"'), 120);
    assert.equal(metricValue(text, 'switchyard_config_version'), 1, 'a gauge every worker sets alike is not summed');
    assert.equal(metricValue(text, 'switchyard_workers', 'state="ready"'), 2);
    assert.equal(metricValue(text, 'switchyard_workers_scraped'), 2);
    for (const o of origins) assert.equal(metricValue(text, 'switchyard_target_healthy', `upstream="api",target="${o.address}"`) ?? 1, 1);
  });

  it('probes each target from one worker only: one probe stream per target per node', async () => {
    // Let the workers see each other and settle probe ownership, then count.
    await delay(2 * INTERVAL_MS);
    for (const o of origins) o.probesBy.clear();
    await delay(3 * INTERVAL_MS + 200);
    const probers = new Set<string>();
    for (const o of origins) {
      const by = [...o.probesBy];
      assert.equal(by.length, 1, `${o.address} probed by ${JSON.stringify(by)}`);
      const [node, count] = by[0] as [string, number];
      assert.match(node, /-w[12]$/, 'a worker of this node probes');
      assert.ok(count >= 2 && count <= 4, `${o.address}: ${count} probes in 3.2 s at a 1 s interval`);
      probers.add(node);
    }
    console.log(`      probing workers: ${[...probers].sort().join(', ')}`);
  });
});
