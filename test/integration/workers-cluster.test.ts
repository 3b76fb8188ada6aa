// A node with `--workers 2` and a single-process node in one cluster over a real nats-server: NATS counts nodes, every worker follows the cluster.
import assert from 'node:assert/strict';
import { ownerOf, probeKey } from '@switchyard/actors';
import { decodeEventFrame } from '@switchyard/adapters';
import WebSocket from 'ws';
import { startCli } from '../helpers/cli-process.js';
import { Closers } from '../helpers/closers.js';
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
} from '../helpers/cluster-harness.js';
import { NatsServer, NatsTap } from '../helpers/nats-server.js';
import { getOnFreshConnections, isAlive, startWorkersProcess, stopEventsTail, type EventLine, type WorkerRow, type WorkersProcess } from '../helpers/workers-harness.js';

const INTERVAL_MS = 1000;
const UNHEALTHY_THRESHOLD = 2;

type MemberRow = { node: string; workers?: number };

/** An /events WebSocket client that keeps every event it receives; closed by `closers`. */
async function openStream(adminUrl: string, query: string, closers: Closers): Promise<EventLine[]> {
  const events: EventLine[] = [];
  const ws = new WebSocket(`${adminUrl.replace('http', 'ws')}/events?${query}`);
  ws.on('message', (data: Buffer, isBinary: boolean) => events.push(...(decodeEventFrame(data, isBinary) as EventLine[])));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  closers.add(
    () =>
      new Promise<void>((resolve) => {
        if (ws.readyState === WebSocket.CLOSED) return resolve();
        ws.once('close', () => resolve());
        ws.close();
      }),
  );
  return events;
}

type WorkerHealthRow = WorkerRow & { targets: { upstream: string; target: string; state: string; mayTakeTraffic: boolean }[] | null };

/**
 * Names for the two nodes under which rendezvous hashing gives each node at least one of the
 * origins (their ports are random), so both directions of verdict sharing are exercised.
 */
function splittingNames(origins: readonly ProbedOrigin[]): { withWorkers: string; alone: string } {
  for (let i = 0; i < 1000; i++) {
    const names = { withWorkers: `wk${i}`, alone: `solo${i}` };
    const owners = origins.map((o) => ownerOf(probeKey('api', o.address), [names.withWorkers, names.alone]));
    if (owners.includes(names.withWorkers) && owners.includes(names.alone)) return names;
  }
  throw new Error('no pair of names splits the origins');
}

describe('a node with worker processes in a cluster over nats-server (integration)', function () {
  this.timeout(90_000);
  const closers = new Closers();
  let nats: NatsServer;
  let origins: ProbedOrigin[];
  let dir: string;
  let names: { withWorkers: string; alone: string };
  let workersNode: WorkersProcess;
  /** The node with workers, seen as a cluster node (its primary's admin API). */
  let a: ClusterNodeProcess;
  let b: ClusterNodeProcess;

  beforeEach(async () => {
    nats = await NatsServer.start();
    closers.add(() => nats.stop());
    dir = configDir(closers);
    origins = [];
    for (const id of ['o1', 'o2', 'o3', 'o4', 'o5', 'o6']) origins.push(await startProbedOrigin(id, closers));
    names = splittingNames(origins);
    const file = writeConfig(dir, 'switchyard.json', clusterConfig(nats, origins, { intervalMs: INTERVAL_MS }));
    workersNode = await startWorkersProcess(file, 2, closers, ['--node-name', names.withWorkers]);
    a = { name: names.withWorkers, cli: workersNode.cli, url: workersNode.url, adminUrl: workersNode.adminUrl };
    b = await startNodeProcess(names.alone, file, closers);
    const both = [names.withWorkers, names.alone];
    await waitUntil(async () => (await seesMembers(a, both)) && seesMembers(b, both), 10_000, 'the two nodes to see each other');
  });
  afterEach(() => closers.closeAll());

  const ownerOfTarget = (address: string): string => ownerOf(probeKey('api', address), [names.withWorkers, names.alone]);
  const workerRows = async (): Promise<WorkerHealthRow[]> => (await workersNode.workers()) as WorkerHealthRow[];

  it('counts the node with workers once, with its worker count, on both nodes', async () => {
    for (const node of [a, b]) {
      const view = await adminGet<Omit<ClusterView, 'members'> & { members: MemberRow[] }>(node, '/api/cluster');
      // Sorted by name: `solo…` before `wk…`.
      assert.deepEqual(
        view.members.map((m) => [m.node, m.workers]),
        [
          [names.alone, 1],
          [names.withWorkers, 2],
        ],
        `${node.name} sees ${JSON.stringify(view.members)}`,
      );
    }
    const status = startCli(['cluster', 'status', '--admin', b.adminUrl], closers);
    assert.equal((await status.exited).code, 0, status.stderr);
    assert.match(status.stdout, /: 2 members, link connected/);
    assert.match(status.stdout, new RegExp(`^${names.withWorkers}\\s.*\\s2$`, 'm'), 'the WORKERS column');
  });

  it('probes each target once across the cluster: by its owner node, and there by one worker', async () => {
    await delay(2 * INTERVAL_MS); // the checkers restarted with their share after the cluster formed
    for (const o of origins) o.probesBy.clear();
    await delay(3 * INTERVAL_MS + 200);
    const view = await adminGet<ClusterView>(b, '/api/cluster');
    for (const o of origins) {
      const probers = [...o.probesBy.keys()];
      const owner = ownerOfTarget(o.address);
      assert.equal(view.probes.find((p) => p.target === o.address)?.owner, owner, 'the admin API names the owner node');
      assert.equal(probers.length, 1, `${o.address} (owned by ${owner}) probed by ${JSON.stringify([...o.probesBy])}`);
      if (owner === names.alone) assert.equal(probers[0], names.alone);
      else assert.match(probers[0] as string, new RegExp(`^${names.withWorkers}-w[12]$`), 'one worker of the owner node probes');
      const count = o.probesBy.get(probers[0] as string) ?? 0;
      assert.ok(count >= 2 && count <= 4, `${o.address}: ${count} probes in 3.2 s at a 1 s interval`);
    }
  });

  it('turns a dead origin unhealthy in every worker of both nodes, whichever node probes it', async () => {
    await delay(INTERVAL_MS);
    const victims = [origins.find((o) => ownerOfTarget(o.address) === names.withWorkers), origins.find((o) => ownerOfTarget(o.address) === names.alone)] as ProbedOrigin[];
    const killedAt = Date.now();
    await Promise.all(victims.map((v) => v.kill()));
    const isDownEverywhere = async (): Promise<boolean> => {
      for (const v of victims) if ((await mayTakeTraffic(b, v.address)) !== false) return false;
      const rows = await workerRows();
      return rows.length === 2 && rows.every((r) => victims.every((v) => r.targets?.find((t) => t.target === v.address)?.mayTakeTraffic === false));
    };
    await waitUntil(isDownEverywhere, 10_000, 'every worker of both nodes to route around both dead origins', 25);
    const tookMs = Date.now() - killedAt;
    assert.ok(tookMs <= INTERVAL_MS * UNHEALTHY_THRESHOLD + 1000, `routed around after ${tookMs} ms`);
    // The live origins stay healthy in every worker.
    for (const r of await workerRows()) {
      for (const o of origins.filter((x) => !victims.includes(x))) assert.equal(r.targets?.find((t) => t.target === o.address)?.mayTakeTraffic, true, `worker ${r.worker}: ${o.address}`);
    }
    const served = origins.map((o) => o.served);
    const statuses = await getOnFreshConnections(workersNode.url, 60, 6);
    assert.deepEqual([...new Set(statuses)], [200]);
    assert.equal(victims.reduce((n, v) => n + v.served, 0), victims.reduce((n, v) => n + (served[origins.indexOf(v)] as number), 0));
  });

  it('tells a worker restarted after kill -9 what the other node decided and what its node owns', async () => {
    await delay(INTERVAL_MS);
    const victim = origins.find((o) => ownerOfTarget(o.address) === names.alone) as ProbedOrigin;
    await victim.kill();
    const isDownIn = (r: WorkerHealthRow): boolean => r.targets?.find((t) => t.target === victim.address)?.mayTakeTraffic === false;
    await waitUntil(async () => (await workerRows()).every(isDownIn), 10_000, 'both workers to route around the dead origin', 25);
    const before = await workerRows();
    const killed = before[0] as WorkerHealthRow;
    process.kill(killed.pid, 'SIGKILL');
    await waitUntil(async () => (await workerRows()).every((r) => r.state === 'ready' && r.pid !== killed.pid), 10_000, 'worker 1 to come back');
    // Its owner decided once, before this process existed: the primary restates it.
    await waitUntil(async () => isDownIn((await workerRows())[0] as WorkerHealthRow), 3000, 'the restarted worker to know the dead origin', 25);
    await delay(INTERVAL_MS);
    const live = origins.filter((o) => o !== victim);
    for (const o of live) o.probesBy.clear();
    await delay(2 * INTERVAL_MS + 200);
    for (const o of live) {
      const probers = [...o.probesBy.keys()];
      assert.equal(probers.length, 1, `${o.address} (owned by ${ownerOfTarget(o.address)}) probed by ${JSON.stringify([...o.probesBy])}`);
      assert.equal(probers[0]?.startsWith(`${names.withWorkers}-w`), ownerOfTarget(o.address) === names.withWorkers);
    }
  });

  it('applies a config pushed over the cluster in every worker of the node', async () => {
    const next = clusterConfig(nats, origins, { intervalMs: INTERVAL_MS, routes: [{ name: 'new', match: { path: '/new' }, respond: { status: 299, body: 'new' } }, { name: 'all', forward: { upstream: 'api' } }] });
    const pushed = startCli(['config', 'push', writeConfig(dir, 'next.json', next), '--admin', b.adminUrl], closers);
    assert.equal((await pushed.exited).code, 0, pushed.stderr);
    assert.match(pushed.stdout, new RegExp(`cluster config version 1 applied on ${[names.alone, names.withWorkers].sort().join(', ')}`));
    const statuses = await getOnFreshConnections(workersNode.url, 80, 8, '/new');
    assert.deepEqual([...new Set(statuses)], [299], 'every worker serves the pushed config');
    const rows = await workerRows();
    assert.deepEqual(rows.map((r) => r.configVersion), [2, 2]);
    assert.ok(rows.every((r) => (r.counters?.['web']?.requests ?? 0) > 0), `both workers answered /new: ${JSON.stringify(rows.map((r) => r.counters))}`);
    assert.equal((await getOnFreshConnections(b.url, 4, 2, '/new')).every((s) => s === 299), true);
    assert.equal((await adminGet<ClusterView>(a, '/api/cluster')).config.version, 1);
  });

  it('tags the workers\' events with their worker on another node\'s cluster stream', async () => {
    const events = startCli(['events', '--cluster', '--type', 'request.completed', '--json', '--admin', b.adminUrl], closers);
    const wanted = [`${names.withWorkers}-w1`, `${names.withWorkers}-w2`, names.alone];
    await waitUntil(async () => {
      await getOnFreshConnections(workersNode.url, 16, 4);
      await getOnFreshConnections(b.url, 2, 1);
      return wanted.every((n) => events.stdout.includes(`"node":"${n}"`));
    }, 10_000, 'events of both workers and of the other node', 200);
    for (const f of await stopEventsTail(events)) {
      assert.equal(f.type, 'request.completed');
      if (f.node === names.alone) assert.equal(f.worker, undefined);
      else assert.equal(`${names.withWorkers}-w${String(f.worker)}`, f.node);
    }
  });

  it('shows the whole node (its workers) on a scope=node stream, while the other node relays nothing over NATS; scope=cluster shows both', async () => {
    const tap = await NatsTap.open(nats.url, 'switchyard.itest.>');
    closers.add(() => tap.close());
    const isRelayed = (f: { subject: string }): boolean => f.subject === 'switchyard.itest.cluster.events-relayed';
    const ofWorkers = [`${names.withWorkers}-w1`, `${names.withWorkers}-w2`];
    const local = await openStream(a.adminUrl, 'type=request.completed&scope=node', closers);
    // The default for a node is node scope: a second client without `scope` sees the same.
    const byDefault = await openStream(a.adminUrl, 'type=request.completed', closers);
    await waitUntil(async () => {
      await getOnFreshConnections(workersNode.url, 16, 4);
      await getOnFreshConnections(b.url, 2, 1);
      return [local, byDefault].every((events) => ofWorkers.every((n) => events.some((e) => e.node === n)));
    }, 10_000, 'request events of both workers on the node-scope streams', 200);
    // Longer than a relay's announce period (2 s): had the other node been asked, it would relay by now.
    await delay(2500);
    await getOnFreshConnections(b.url, 8, 2);
    await getOnFreshConnections(workersNode.url, 8, 2);
    await delay(500);
    for (const events of [local, byDefault]) {
      for (const e of events) {
        assert.equal(e.type, 'request.completed');
        assert.equal(e.node, `${names.withWorkers}-w${String(e.worker)}`, 'only this node\'s workers');
      }
    }
    assert.deepEqual(tap.frames.filter(isRelayed).map((f) => f.node), [], 'no node relayed events over NATS');
    const asked = tap.frames.filter((f) => f.subject === 'switchyard.itest.cluster.events-wanted' && ((f.payload as { types?: unknown[] }).types?.length ?? 0) > 0);
    assert.deepEqual(asked.map((f) => f.node), [], 'no node asked for events over NATS');

    const cluster = await openStream(a.adminUrl, 'type=request.completed&scope=cluster', closers);
    await waitUntil(async () => {
      await getOnFreshConnections(workersNode.url, 16, 4);
      await getOnFreshConnections(b.url, 2, 1);
      return [...ofWorkers, names.alone].every((n) => cluster.some((e) => e.node === n));
    }, 10_000, 'events of both workers and of the other node on the cluster stream', 200);
    assert.ok(tap.frames.some((f) => isRelayed(f) && f.node === names.alone), 'the other node relays over NATS now');
    assert.ok(local.every((e) => e.node !== names.alone), 'the node-scope stream still has none of the other node\'s events');
  });

  it('leaves the other node alone in the membership on SIGTERM, which then probes every target', async () => {
    const pids = (await workerRows()).map((r) => r.pid);
    const stoppedAt = Date.now();
    workersNode.cli.signal('SIGTERM');
    await waitUntil(() => seesMembers(b, [names.alone]), 15_000, 'the workers node to leave');
    const tookMs = Date.now() - stoppedAt;
    assert.equal((await workersNode.cli.exited).code, 0, workersNode.cli.stderr.slice(-2000));
    await waitUntil(() => pids.every((pid) => !isAlive(pid)), 5000, 'the workers to exit');
    console.log(`      left the membership ${tookMs} ms after SIGTERM`);
    await delay(INTERVAL_MS);
    for (const o of origins) o.probesBy.clear();
    await delay(2 * INTERVAL_MS + 200);
    for (const o of origins) assert.deepEqual([...o.probesBy.keys()], [names.alone], `${o.address} probed by ${JSON.stringify([...o.probesBy])}`);
  });
});
