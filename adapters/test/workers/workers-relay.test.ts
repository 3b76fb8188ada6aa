// A primary with two in-process "workers" on its IPC hub and a peer node, over an in-memory cluster transport: what the relay carries, and that nothing loops.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { loadConfig, type Config } from '@switchyard/config';
import { ClusterEventsInterest, ClusterEventsRelayed, ClusterEventsWanted, ClusterTransportStatus, HealthVerdictShared, InMemoryHub, NodeEventsInterest, defineMessage, Snapshot, createActorSystem, originNodeOf, type ActorSystem } from '@switchyard/core';
import { ownerOf, ownsProbe, probeKey, soloOwnership, startClusterNode, startProxyNode, type ClusterHandle, type ProbeOwnership, type ProxyNode } from '@switchyard/actors';
import { IpcHub } from '../../src/workers/ipc-transport.js';
import { WORKERS_CLUSTER, WorkersRelay, workerNodeName } from '../../src/workers/workers-relay.js';
import { delay, waitFor } from '../helpers.js';

const FAST = { heartbeatMs: 50, timeoutMs: 400, relay: { flushMs: 20, announceMs: 100 } };
/** Origins that always pass their checks: every unhealthy verdict in these tests is one a test sent. */
let TARGETS: string[] = [];

function config(): Readonly<Config> {
  return loadConfig({
    listeners: [{ name: 'web', address: '127.0.0.1:0' }],
    routes: [{ name: 'all', forward: { upstream: 'api' } }],
    upstreams: [
      {
        name: 'api',
        targets: TARGETS.map((address) => ({ address })),
        healthCheck: { type: 'http', path: '/', interval: '10s', jitter: 0 },
        passive: { enabled: false },
      },
    ],
    cluster: { name: 'test', nats: { servers: ['nats://127.0.0.1:4222'] } },
  });
}

/** An event only these tests publish, in the workers. */
const Ping = defineMessage('test.ping', { n: z.number() });

function unhealthy(node: string, target: string): HealthVerdictShared {
  return HealthVerdictShared.make({ node, upstream: 'api', target, verdict: 'unhealthy', reason: 'test', since: Date.now(), cause: 'transition' });
}

describe('WorkersRelay: a primary between its workers (IPC) and the cluster', function () {
  this.timeout(15_000);
  const closers: (() => Promise<void> | void)[] = [];
  let primary: ActorSystem;
  let relay: WorkersRelay;
  let handle: ClusterHandle;
  let workers: ProxyNode[];
  let peer: ProxyNode;

  before(async () => {
    const servers: http.Server[] = [];
    after(() => Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve)))));
    // Ownership hashes the (random) ports: at least 8 targets, and enough that both nodes own some.
    const isSplit = (): boolean => new Set(TARGETS.map((t) => ownerOf(probeKey('api', t), ['a', 'b']))).size === 2;
    TARGETS = [];
    while (TARGETS.length < 8 || (!isSplit() && TARGETS.length < 40)) {
      const server = http.createServer((_req, res) => res.end('ok'));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      servers.push(server);
      TARGETS.push(`127.0.0.1:${(server.address() as AddressInfo).port}`);
    }
  });

  beforeEach(async () => {
    const cluster = new InMemoryHub();
    const ipc = new IpcHub();
    primary = createActorSystem({ name: 'a', node: 'a' });
    relay = new WorkersRelay(primary, ipc, { isClustered: true, workers: 2 });
    workers = [];
    for (const slot of [1, 2]) {
      const node = await startProxyNode(config(), { nodeName: workerNodeName('a', slot), cluster: { transport: ipc.connect(), name: WORKERS_CLUSTER, ...FAST, relay: { ...FAST.relay, worker: slot }, followsNode: true } });
      workers.push(node);
      closers.push(() => node.close({ graceMs: 0 }));
    }
    const ownership = new Snapshot<ProbeOwnership>('cluster.ownership', soloOwnership('a'));
    handle = startClusterNode(primary, { transport: relay.toCluster(cluster.connect(), 'test'), name: 'test', ...FAST, workers: 2 }, { ownership, apply: async () => undefined, config });
    relay.followOwnership(ownership);
    closers.push(async () => {
      await primary.terminate();
      relay.close();
      handle.closeBridge();
    });
    peer = await startProxyNode(config(), { nodeName: 'b', cluster: { transport: cluster.connect(), name: 'test', ...FAST, workers: 1 } });
    closers.push(() => peer.close({ graceMs: 0 }));
    await waitFor(async () => {
      const [ofA, ofB] = await Promise.all([handle.status(), peer.cluster?.status()]);
      return [ofA, ofB].every((s) => s?.members.map((m) => m.node).join() === 'a,b');
    }, 3000, 'a and b to see each other');
    // The workers follow the node's ownership once the primary has told them.
    await waitFor(() => workers.every((w) => w.cluster?.ownership.current.node?.members.join() === 'a,b'), 3000, 'the workers to learn the node ownership');
  });
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });

  it('counts the node once in the cluster, with its workers', async () => {
    const members = (await peer.cluster?.status())?.members ?? [];
    assert.deepEqual(members.map((m) => [m.node, m.workers]), [['a', 2], ['b', 1]]);
  });

  it('gives each of the node\'s targets to one worker, and none of the peer\'s', () => {
    for (const target of TARGETS) {
      const owners = workers.filter((w) => ownsHere(w, target));
      const isNodeA = ownerOf(probeKey('api', target), ['a', 'b']) === 'a';
      assert.equal(owners.length, isNodeA ? 1 : 0, target);
    }
  });

  it('lets the workers split every target between them while the node\'s cluster link is down, and hand the peer\'s back when it returns', async () => {
    const link = (status: 'disconnected' | 'reconnected'): void => primary.bus.publish(ClusterTransportStatus.make({ transport: 'nats', status, at: Date.now() }));
    link('disconnected');
    await waitFor(() => workers.every((w) => w.cluster?.ownership.current.node?.isLinkUp === false), 2000, 'the workers to hear the link is down');
    for (const target of TARGETS) assert.equal(workers.filter((w) => ownsHere(w, target)).length, 1, `${target}: one worker probes it`);
    link('reconnected');
    await waitFor(() => workers.every((w) => w.cluster?.ownership.current.node?.isLinkUp === true), 2000, 'the workers to hear the link is back');
    const ofB = TARGETS.filter((t) => ownerOf(probeKey('api', t), ['a', 'b']) === 'b');
    for (const target of ofB) assert.equal(workers.filter((w) => ownsHere(w, target)).length, 0, `${target} is b's again`);
  });

  it('sends the workers\' event batches over the cluster only while another node wants events', async () => {
    const fromWorkers = (bus: ProxyNode['bus']): ClusterEventsRelayed[] => {
      const seen: ClusterEventsRelayed[] = [];
      bus.subscribe(ClusterEventsRelayed, (m) => (m.worker !== undefined && m.events.length > 0 ? seen.push(m) : undefined));
      return seen;
    };
    const atPrimary = fromWorkers(primary.bus);
    const atPeer = fromWorkers(peer.bus);
    const ping = (): void => {
      for (const w of workers) w.bus.publish(Ping.make({ n: 1 }));
    };
    // This node's own admin stream wants them: the workers relay to the primary, and no further.
    primary.bus.publish(ClusterEventsInterest.make({ types: [Ping.type], prefixes: [] }));
    await waitFor(() => {
      ping();
      return new Set(atPrimary.map((b) => b.worker)).size === 2;
    }, 2000, 'both workers\' batches at the primary');
    await delay(200);
    assert.equal(atPeer.length, 0, 'nothing crossed the cluster transport');
    // The peer wants them too: now they cross, tagged with their worker.
    peer.bus.publish(ClusterEventsInterest.make({ types: [Ping.type], prefixes: [] }));
    await waitFor(() => {
      ping();
      return new Set(atPeer.map((b) => b.worker)).size === 2;
    }, 2000, 'both workers\' batches at the peer');
    assert.deepEqual([...new Set(atPeer.map((b) => `${b.node}/${String(b.worker)}`))].sort(), ['a-w1/1', 'a-w2/2']);
  });

  it('asks only the workers for what the node\'s own stream wants: the peer hears no interest and relays nothing', async () => {
    const wantedAtPeer: ClusterEventsWanted[] = [];
    peer.bus.subscribe(ClusterEventsWanted, (m) => (originNodeOf(m) === undefined ? undefined : wantedAtPeer.push(m)));
    const batches: ClusterEventsRelayed[] = [];
    primary.bus.subscribe(ClusterEventsRelayed, (m) => (m.events.length > 0 ? batches.push(m) : undefined));
    primary.bus.publish(NodeEventsInterest.make({ types: [Ping.type], prefixes: [] }));
    await waitFor(() => {
      for (const w of workers) w.bus.publish(Ping.make({ n: 1 }));
      peer.bus.publish(Ping.make({ n: 2 }));
      return new Set(batches.map((b) => b.worker)).size === 2;
    }, 2000, 'both workers\' batches at the primary');
    // Several of the relays' announce periods (100 ms here): the peer would have heard and relayed by now.
    await delay(400);
    peer.bus.publish(Ping.make({ n: 2 }));
    await delay(100);
    assert.deepEqual(wantedAtPeer, [], 'no interest crossed the cluster transport');
    assert.deepEqual([...new Set(batches.map((b) => b.node))].sort(), ['a-w1', 'a-w2'], 'nothing from the peer');
    // No longer wanted: the workers stop at once (not after the interest's TTL).
    primary.bus.publish(NodeEventsInterest.make({ types: [], prefixes: [] }));
    await delay(150);
    const before = batches.length;
    for (const w of workers) w.bus.publish(Ping.make({ n: 3 }));
    await delay(150);
    assert.equal(batches.length, before, 'no batch once nobody wants events');
  });

  it('carries a peer\'s verdict to every worker, and a worker\'s verdict to the peer and its sibling, each once', async () => {
    const ofB = TARGETS.find((t) => ownerOf(probeKey('api', t), ['a', 'b']) === 'b') as string;
    const ofA = TARGETS.find((t) => ownerOf(probeKey('api', t), ['a', 'b']) === 'a') as string;
    const atPeer: HealthVerdictShared[] = [];
    const atWorkers: HealthVerdictShared[] = [];
    peer.bus.subscribe(HealthVerdictShared, (m) => (originNodeOf(m) === undefined ? undefined : atPeer.push(m)));
    for (const w of workers) w.bus.subscribe(HealthVerdictShared, (m) => (originNodeOf(m) === undefined ? undefined : atWorkers.push(m)));

    peer.bus.publish(unhealthy('b', ofB));
    await waitFor(() => workers.every((w) => w.targetHealth('api', ofB)?.state === 'unhealthy'), 2000, 'both workers to apply b\'s verdict');

    const prober = workers.find((w) => ownsHere(w, ofA)) as ProxyNode;
    prober.bus.publish(unhealthy(prober.system.node, ofA));
    await waitFor(() => peer.targetHealth('api', ofA)?.state === 'unhealthy', 2000, 'b to apply the worker\'s verdict');
    const sibling = workers.find((w) => w !== prober) as ProxyNode;
    await waitFor(() => sibling.targetHealth('api', ofA)?.state === 'unhealthy', 2000, 'the sibling to apply it');
    await delay(200);
    // b heard the worker's verdict once and never its own back; each worker heard each verdict once (its own echo is dropped).
    assert.deepEqual(atPeer.map((m) => m.node), [prober.system.node]);
    assert.deepEqual(atWorkers.map((m) => m.node).sort(), ['b', 'b', prober.system.node].sort());
  });
});

function ownsHere(worker: ProxyNode, target: string): boolean {
  return worker.cluster !== undefined && ownsProbe(worker.cluster.ownership.current, 'api', target);
}
