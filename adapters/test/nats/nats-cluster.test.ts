// Three actor systems, each bridged through its own NatsTransport to one real nats-server: membership end to end.
import assert from 'node:assert/strict';
import {
  ClusterMembers,
  ClusterNodeJoined,
  ClusterNodeLeft,
  ClusterTransportStatus,
  ClusterWireTypes,
  FrameRejected,
  PROTOCOL_VERSION,
  bridgeTransport,
  createActorSystem,
  subjectFor,
  type ActorRef,
  type ActorSystem,
  type TransportBridge,
} from '@switchyard/core';
import { TestProbe } from '@switchyard/core/testkit';
import { membership, type MembershipMessage } from '@switchyard/actors';
import { msgpackCodec } from '../../src/nats/codec.js';
import { connectNatsTransport, type NatsTransport } from '../../src/nats/nats-transport.js';
import { delay, waitFor } from '../helpers.js';
import { NatsServer } from '../../src/testkit/nats-server.js';

const HEARTBEAT_MS = 100;
const TIMEOUT_MS = 600;

interface ClusterNode {
  name: string;
  system: ActorSystem;
  transport: NatsTransport;
  bridge: TransportBridge;
  ref: ActorRef<MembershipMessage>;
  joined: TestProbe<ClusterNodeJoined>;
  left: TestProbe<ClusterNodeLeft>;
  status: TestProbe<ClusterTransportStatus>;
  rejected: TestProbe<FrameRejected>;
  isDown: boolean;
}

async function startNode(name: string, server: NatsServer): Promise<ClusterNode> {
  const system = createActorSystem({ name, node: name });
  // Probes first: they see the transport's `connected` and the very first joins.
  const probes = {
    joined: TestProbe.onBus<ClusterNodeJoined>(system.bus, ClusterNodeJoined),
    left: TestProbe.onBus<ClusterNodeLeft>(system.bus, ClusterNodeLeft),
    status: TestProbe.onBus<ClusterTransportStatus>(system.bus, ClusterTransportStatus),
    rejected: TestProbe.onBus<FrameRejected>(system.bus, FrameRejected),
  };
  const transport = await connectNatsTransport({ servers: server.url, name, bus: system.bus, reconnectInitialWaitMs: 50, reconnectMaxWaitMs: 400 });
  const bridge = bridgeTransport(system, transport, { cluster: 'test', types: ClusterWireTypes, codec: msgpackCodec });
  await transport.flush(); // the bridge's subscription is in force before the first heartbeat
  const ref = system.spawn(membership, { heartbeatMs: HEARTBEAT_MS, timeoutMs: TIMEOUT_MS });
  return { name, system, transport, bridge, ref, ...probes, isDown: false };
}

/** A graceful shutdown in the order a node does it: actors (sends `cluster.leaving`), bridge, then the draining transport. */
async function shutDown(node: ClusterNode): Promise<void> {
  if (node.isDown) return;
  node.isDown = true;
  await node.system.terminate();
  node.bridge.close();
  await node.transport.close();
}

/** A crash as the others see it: the node falls silent, no `cluster.leaving` escapes. */
async function kill(node: ClusterNode): Promise<void> {
  node.isDown = true;
  node.bridge.close();
  await node.transport.close();
  await node.system.terminate();
}

const joinedFrom = (node: ClusterNode, peer: string): number => node.joined.received.filter((m) => m.node === peer).length;
const leftFrom = (node: ClusterNode, peer: string): string[] => node.left.received.filter((m) => m.node === peer).map((m) => m.reason);
const statuses = (node: ClusterNode): string[] => node.status.received.map((s) => s.status);

async function membersOf(node: ClusterNode): Promise<string[]> {
  return (await node.ref.ask(ClusterMembers, {})).map((m) => m.node);
}

describe('cluster membership over NATS (real nats-server)', () => {
  let server: NatsServer;
  let nodes: ClusterNode[];

  beforeEach(async () => {
    server = await NatsServer.start();
    nodes = [];
    for (const name of ['node-a', 'node-b', 'node-c']) nodes.push(await startNode(name, server));
  });
  afterEach(async () => {
    for (const node of [...nodes].reverse()) await shutDown(node);
    await server.stop();
  });

  const node = (i: number): ClusterNode => nodes[i] as ClusterNode;

  async function allJoined(): Promise<void> {
    await waitFor(
      () => nodes.every((n) => nodes.every((peer) => peer === n || joinedFrom(n, peer.name) >= 1)),
      3000,
      'every node to see the other two join',
    );
  }

  it('joins three nodes: each sees the other two, and cluster.members lists all three', async () => {
    await allJoined();
    for (const n of nodes) {
      assert.deepEqual(await membersOf(n), ['node-a', 'node-b', 'node-c']);
      assert.deepEqual(statuses(n), ['connected']);
    }
    await delay(TIMEOUT_MS + 200);
    for (const n of nodes) assert.deepEqual(n.left.received, [], 'nobody times out while heartbeats flow');
  });

  it('sees a killed node leave by timeout within timeoutMs (plus a sweep), and a gracefully stopped one at once', async () => {
    await allJoined();
    const killedAt = Date.now();
    await kill(node(2));
    await waitFor(() => leftFrom(node(0), 'node-c').length > 0 && leftFrom(node(1), 'node-c').length > 0, TIMEOUT_MS + 1500, 'node-c to time out');
    const tookMs = Date.now() - killedAt;
    assert.deepEqual(leftFrom(node(0), 'node-c'), ['timeout']);
    assert.deepEqual(leftFrom(node(1), 'node-c'), ['timeout']);
    assert.ok(tookMs >= TIMEOUT_MS - HEARTBEAT_MS, `declared gone after ${tookMs} ms: not before the timeout`);
    assert.ok(tookMs <= TIMEOUT_MS + HEARTBEAT_MS + 400, `declared gone after ${tookMs} ms: within the timeout and a sweep`);
    assert.deepEqual(await membersOf(node(0)), ['node-a', 'node-b']);

    const stoppedAt = Date.now();
    await shutDown(node(1));
    await waitFor(() => leftFrom(node(0), 'node-b').length > 0, TIMEOUT_MS, 'node-b to leave');
    assert.deepEqual(leftFrom(node(0), 'node-b'), ['leaving']);
    assert.ok(Date.now() - stoppedAt < TIMEOUT_MS, 'a graceful leave needs no timeout');
    assert.deepEqual(await membersOf(node(0)), ['node-a']);
  });

  it('survives nats-server going away for 2 s: transports reconnect and membership re-forms', async () => {
    await allJoined();
    await server.stop();
    await waitFor(() => nodes.every((n) => statuses(n).includes('disconnected')), 2000, 'every transport to report the disconnect');
    // Publishing while the link is down must not throw: heartbeats keep being handed to the client.
    const publishedBefore = node(0).transport.stats.published;
    await delay(2000);
    assert.ok(node(0).transport.stats.publishedWhileDisconnected > 0);
    assert.ok(node(0).transport.stats.published > publishedBefore);
    for (const n of nodes) {
      for (const peer of nodes.filter((p) => p !== n)) assert.deepEqual(leftFrom(n, peer.name), ['timeout'], `${n.name} declared ${peer.name} gone`);
      assert.deepEqual(await membersOf(n), [n.name], `${n.name} keeps serving alone`);
    }

    await server.restart();
    await waitFor(() => nodes.every((n) => statuses(n).includes('reconnected')), 5000, 'every transport to reconnect');
    await waitFor(
      () => nodes.every((n) => nodes.every((peer) => peer === n || joinedFrom(n, peer.name) >= 2)),
      3000,
      'every node to see the others join again',
    );
    for (const n of nodes) {
      assert.deepEqual(await membersOf(n), ['node-a', 'node-b', 'node-c']);
      const seen = statuses(n);
      assert.deepEqual(seen.filter((s) => s !== 'reconnecting'), ['connected', 'disconnected', 'reconnected'], `${n.name}: ${seen.join(', ')}`);
      assert.ok(seen.includes('reconnecting'), 'reconnect attempts are reported');
      assert.equal(n.transport.stats.reconnects, 1);
      assert.equal(n.transport.isConnected, true);
    }
  });

  it('drops, counts and reports frames with garbage, a bad envelope, an old protocol version or a bad schema; nothing crashes', async () => {
    await allJoined();
    const rogue = await connectNatsTransport({ servers: server.url, name: 'rogue' });
    try {
      const subject = subjectFor('test', 'cluster.heartbeat');
      const envelope = { id: 'r1', type: 'cluster.heartbeat', v: PROTOCOL_VERSION, ts: Date.now(), node: 'rogue' };
      const heartbeat = { type: 'cluster.heartbeat', node: 'rogue', startedAt: 1, seq: 1 };
      rogue.publish(subject, Uint8Array.from([0xc1, 0xff, 0x00]));
      rogue.publish(subject, msgpackCodec.encode({ hello: 'world' }));
      rogue.publish(subject, msgpackCodec.encode({ ...envelope, v: PROTOCOL_VERSION - 1, payload: heartbeat }));
      rogue.publish(subject, msgpackCodec.encode({ ...envelope, payload: { ...heartbeat, seq: -1 } }));
      // A good frame after the bad ones still gets through: the rogue joins.
      rogue.publish(subject, msgpackCodec.encode({ ...envelope, payload: heartbeat }));
      await rogue.flush();

      await waitFor(() => nodes.every((n) => joinedFrom(n, 'rogue') === 1), 3000, 'the good frame to be accepted');
      for (const n of nodes) {
        const reports = await n.rejected.receiveN(4, undefined, 2000);
        assert.deepEqual(
          reports.map((r) => r.code),
          ['ERR_TRANSPORT_FRAME_REJECTED', 'ERR_TRANSPORT_FRAME_REJECTED', 'ERR_TRANSPORT_VERSION_MISMATCH', 'ERR_MESSAGE_INVALID'],
        );
        assert.equal(reports[2]?.node, 'rogue');
        assert.equal(n.bridge.stats.rejected, 4);
        assert.deepEqual(await membersOf(n), ['node-a', 'node-b', 'node-c', 'rogue']);
      }
    } finally {
      await rogue.close();
    }
    await delay(HEARTBEAT_MS * 2);
    for (const n of nodes) assert.ok(n.ref.isAlive, `${n.name}'s membership actor is still running`);
  });
});
