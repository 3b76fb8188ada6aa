import assert from 'node:assert/strict';
import {
  ClusterMembers,
  ClusterNodeJoined,
  ClusterNodeLeft,
  ClusterWireTypes,
  PROTOCOL_VERSION,
  Snapshot,
  bridgeTransport,
  createActorSystem,
  jsonCodec,
  subjectFor,
  type ActorRef,
  type ActorSystem,
  type ClusterNodeLeft as NodeLeft,
  type InMemoryTransport,
  type TransportBridge,
} from '@switchyard/core';
import { InMemoryHub, TestProbe, VirtualClock } from '@switchyard/core/testkit';
import { membership, type MembershipMessage } from '../../src/cluster/index.js';

interface TestNode {
  name: string;
  system: ActorSystem;
  ref: ActorRef<MembershipMessage>;
  transport: InMemoryTransport;
  bridge: TransportBridge;
  joined: TestProbe<ClusterNodeJoined>;
  left: TestProbe<NodeLeft>;
  members: Snapshot<readonly string[]>;
}

/** Several actor systems on one virtual clock, bridged through one in-memory hub. */
class TestCluster {
  readonly clock = new VirtualClock(1_000_000);
  readonly hub = new InMemoryHub();
  readonly nodes = new Map<string, TestNode>();

  add(name: string): TestNode {
    const system = createActorSystem({ name, node: name, clock: this.clock });
    const transport = this.hub.connect();
    const bridge = bridgeTransport(system, transport, { cluster: 'test', types: ClusterWireTypes });
    const members = new Snapshot<readonly string[]>('cluster.members', []);
    const node: TestNode = {
      name,
      system,
      transport,
      bridge,
      members,
      joined: TestProbe.onBus(system.bus, ClusterNodeJoined),
      left: TestProbe.onBus(system.bus, ClusterNodeLeft),
      ref: system.spawn(membership, { heartbeatMs: 1000, timeoutMs: 3000, members }),
    };
    this.nodes.set(name, node);
    return node;
  }

  get(name: string): TestNode {
    const node = this.nodes.get(name);
    if (node === undefined) throw new Error(`no node ${name}`);
    return node;
  }

  /** Cuts a node off as a crash or a network split would: nothing more crosses, not even `cluster.leaving`. */
  async cut(name: string): Promise<void> {
    const node = this.get(name);
    node.bridge.close();
    await node.transport.close();
  }

  reconnect(name: string): void {
    const node = this.get(name);
    node.transport = this.hub.connect();
    node.bridge = bridgeTransport(node.system, node.transport, { cluster: 'test', types: ClusterWireTypes });
  }

  async close(): Promise<void> {
    for (const node of [...this.nodes.values()].reverse()) {
      await node.system.terminate();
      node.bridge.close();
      await node.transport.close();
    }
  }
}

const joinedNames = (node: TestNode): string[] => node.joined.received.map((m) => m.node).sort();
const leftOf = (node: TestNode): string[] => node.left.received.map((m) => `${m.node}:${m.reason}`);

describe('membership actor (virtual clock, in-memory transport)', () => {
  let cluster: TestCluster;
  beforeEach(() => {
    cluster = new TestCluster();
  });
  afterEach(() => cluster.close());

  async function threeJoined(): Promise<[TestNode, TestNode, TestNode]> {
    const nodes: [TestNode, TestNode, TestNode] = [cluster.add('a'), cluster.add('b'), cluster.add('c')];
    await cluster.clock.advance(0);
    return nodes;
  }

  it('sees every other node join at once, without waiting a heartbeat period', async () => {
    const [a, b, c] = await threeJoined();
    assert.deepEqual(joinedNames(a), ['b', 'c']);
    assert.deepEqual(joinedNames(b), ['a', 'c']);
    assert.deepEqual(joinedNames(c), ['a', 'b']);
    assert.deepEqual(a.members.current, ['a', 'b', 'c'], 'the members snapshot follows');
    await cluster.clock.advance(10_000);
    assert.equal(a.joined.received.length, 2, 'joined once each, however many heartbeats follow');
    assert.deepEqual(leftOf(a), []);
  });

  it('answers cluster.members with every live node, itself marked, and how long since each was heard', async () => {
    const [a] = await threeJoined();
    await cluster.clock.advance(1500);
    const view = await a.ref.ask(ClusterMembers, {});
    assert.deepEqual(view.map((m) => [m.node, m.isSelf]), [['a', true], ['b', false], ['c', false]]);
    for (const row of view.filter((m) => !m.isSelf)) assert.equal(row.lastSeenMs, 500, `${row.node} last beat at 1000 ms`);
  });

  it('declares a silent node gone after timeoutMs, not before, on every side', async () => {
    const [a, b, c] = await threeJoined();
    await cluster.clock.advance(1500); // c's last heartbeat crossed at 1000 ms
    await cluster.cut('c');
    await cluster.clock.advance(2500); // 4000 ms: 3000 ms of silence, not more
    assert.deepEqual(leftOf(a), []);
    await cluster.clock.advance(300); // one sweep later
    assert.deepEqual(leftOf(a), ['c:timeout']);
    assert.deepEqual(leftOf(b), ['c:timeout']);
    assert.deepEqual(leftOf(c).sort(), ['a:timeout', 'b:timeout'], 'the cut-off node sees the others go');
    assert.deepEqual(a.members.current, ['a', 'b']);
    assert.deepEqual((await a.ref.ask(ClusterMembers, {})).map((m) => m.node), ['a', 'b']);
    await cluster.clock.advance(10_000);
    assert.deepEqual(leftOf(a), ['c:timeout'], 'left once');
  });

  it('sees a node that stops gracefully leave at once, and never times it out later', async () => {
    const [a, b, c] = await threeJoined();
    await cluster.clock.advance(500);
    await c.system.stop(c.ref);
    await cluster.clock.advance(0);
    assert.deepEqual(leftOf(a), ['c:leaving']);
    assert.deepEqual(leftOf(b), ['c:leaving']);
    await cluster.clock.advance(10_000);
    assert.deepEqual(leftOf(a), ['c:leaving']);
    assert.deepEqual(a.members.current, ['a', 'b']);
  });

  it('sees a node rejoin after a timeout (same incarnation) and after a graceful leave (new incarnation)', async () => {
    const [a, b, c] = await threeJoined();
    await cluster.cut('c');
    await cluster.clock.advance(5000);
    assert.deepEqual(leftOf(a), ['c:timeout']);
    cluster.reconnect('c');
    await cluster.clock.advance(1000); // c's next heartbeat
    assert.deepEqual(joinedNames(a), ['b', 'c', 'c']);
    assert.deepEqual(joinedNames(c), ['a', 'a', 'b', 'b'], 'c sees the others again too');
    assert.deepEqual(a.members.current, ['a', 'b', 'c']);

    await c.system.stop(c.ref);
    await cluster.clock.advance(100);
    assert.deepEqual(leftOf(b), ['c:timeout', 'c:leaving']);
    c.ref = c.system.spawn(membership, { heartbeatMs: 1000, timeoutMs: 3000, members: c.members });
    await cluster.clock.advance(0);
    assert.deepEqual(joinedNames(b), ['a', 'c', 'c', 'c']);
    assert.deepEqual(b.members.current, ['a', 'b', 'c']);
  });

  it('ignores a bridged heartbeat that speaks for another node than the one that sent it', async () => {
    const [a] = await threeJoined();
    const rogue = cluster.hub.connect();
    const payload = { type: 'cluster.heartbeat', node: 'ghost', startedAt: 1, seq: 1 };
    rogue.publish(subjectFor('test', 'cluster.heartbeat'), jsonCodec.encode({ id: 'x', type: 'cluster.heartbeat', v: PROTOCOL_VERSION, ts: 1, node: 'rogue', payload }));
    await cluster.clock.advance(0);
    assert.deepEqual(joinedNames(a), ['b', 'c']);
    await rogue.close();
  });

  it('refuses a timeout that is not longer than the heartbeat', async () => {
    const system = createActorSystem({ node: 'x', clock: cluster.clock });
    const failed = TestProbe.onBus(system.bus, 'actor.failed');
    system.spawn(membership, { heartbeatMs: 1000, timeoutMs: 1000 });
    const failure = await failed.expectMessage();
    assert.match(JSON.stringify(failure), /heartbeatMs < timeoutMs/);
    await system.terminate();
  });
});
