// Three proxy nodes in one process over the in-memory transport: shared health, ownership, rollout, event relay, bad frames.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig, type ConfigInput } from '@switchyard/config';
import {
  ClusterEventsInterest,
  ClusterEventsRelayed,
  FrameRejected,
  InMemoryHub,
  InMemoryTransport,
  PROTOCOL_VERSION,
  RequestCompleted,
  jsonCodec,
  subjectFor,
  type Message,
} from '@switchyard/core';
import { startProxyNode, type ProxyNode } from '../../src/index.js';

const HEARTBEAT_MS = 50;
const TIMEOUT_MS = 400;
const CHECK = { type: 'http', path: '/health', interval: '200ms', fastInterval: '100ms', timeout: '150ms', jitter: 0, unhealthyThreshold: 2, healthyThreshold: 1 };

interface Origin {
  port: number;
  address: string;
  /** Probes answered, by the node named in X-Switchyard-Node. */
  probesBy: Map<string, number>;
  kill(): Promise<void>;
}

async function startOrigin(id: string, closers: (() => Promise<void>)[]): Promise<Origin> {
  const probesBy = new Map<string, number>();
  const server = http.createServer((req, res) => {
    if (req.url === '/health') {
      const node = String(req.headers['x-switchyard-node'] ?? '(none)');
      probesBy.set(node, (probesBy.get(node) ?? 0) + 1);
      res.end('ok');
      return;
    }
    res.setHeader('x-origin', id);
    res.end(id);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  let isClosed = false;
  const kill = async (): Promise<void> => {
    if (isClosed) return;
    isClosed = true;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  closers.push(kill);
  return { port, address: `127.0.0.1:${port}`, probesBy, kill };
}

function configFor(origins: readonly Origin[], extra: Partial<ConfigInput> = {}): ConfigInput {
  return {
    listeners: [{ name: 'web', address: '127.0.0.1:0' }],
    routes: [{ name: 'all', forward: { upstream: 'api' } }],
    upstreams: [{ name: 'api', targets: origins.map((o) => ({ address: o.address })), healthCheck: CHECK, passive: { enabled: false } }],
    cluster: { name: 'test', nats: { servers: ['nats://127.0.0.1:4222'] } },
    ...extra,
  } as ConfigInput;
}

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function stateOf(node: ProxyNode, target: string): Promise<string | undefined> {
  const explained = await node.explainHealth('api', target);
  return explained.upstreams[0]?.targets.find((t) => t.target === target)?.state;
}

function get(port: number, path = '/'): Promise<{ status: number; origin: string | undefined }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, origin: res.headers['x-origin'] as string | undefined }));
      })
      .on('error', reject);
  });
}

describe('cluster node (three nodes over the in-memory transport)', function () {
  this.timeout(20_000);
  let hub: InMemoryHub;
  let closers: (() => Promise<void>)[];
  let nodes: Map<string, ProxyNode>;
  let transports: Map<string, InMemoryTransport>;

  beforeEach(() => {
    hub = new InMemoryHub();
    closers = [];
    nodes = new Map();
    transports = new Map();
  });
  afterEach(async () => {
    for (const close of closers.reverse()) await close().catch(() => undefined);
  });

  async function startNode(name: string, input: ConfigInput, options: { voteTimeoutMs?: number } = {}): Promise<ProxyNode> {
    const transport = hub.connect();
    transports.set(name, transport);
    const node = await startProxyNode(loadConfig(input), {
      nodeName: name,
      cluster: { transport, name: 'test', heartbeatMs: HEARTBEAT_MS, timeoutMs: TIMEOUT_MS, relay: { flushMs: 20, announceMs: 200 }, ...options },
    });
    let isClosed = false;
    const close = async (): Promise<void> => {
      if (isClosed) return;
      isClosed = true;
      await node.close({ graceMs: 0 });
    };
    closers.push(close);
    nodes.set(name, node);
    return node;
  }

  async function formed(names: readonly string[]): Promise<void> {
    await waitFor(
      async () => {
        for (const name of names) {
          const status = await (nodes.get(name) as ProxyNode).cluster?.status();
          if (status === undefined || status.members.map((m) => m.node).join() !== [...names].sort().join()) return false;
        }
        return true;
      },
      3000,
      `${names.join(', ')} to see each other`,
    );
  }

  /** Ownership follows membership a moment later: wait until node `name` reports owners from several nodes. */
  async function spread(name: string): Promise<void> {
    await waitFor(
      async () => new Set(((await (nodes.get(name) as ProxyNode).cluster?.status())?.probes ?? []).map((p) => p.owner)).size >= 2,
      3000,
      'probe ownership to follow the membership',
    );
  }

  it('probes each target from exactly one node, and every node applies the owner verdicts', async () => {
    const origins = await Promise.all(['o1', 'o2', 'o3', 'o4', 'o5', 'o6'].map((id) => startOrigin(id, closers)));
    const input = configFor(origins);
    for (const name of ['a', 'b', 'c']) await startNode(name, input);
    await formed(['a', 'b', 'c']);
    await spread('a');
    await delay(300); // checkers restarted with their share
    for (const o of origins) o.probesBy.clear();
    await delay(1000);
    const status = await (nodes.get('a') as ProxyNode).cluster?.status();
    const owners = new Map(status?.probes.map((p) => [p.target, p.owner]));
    for (const o of origins) {
      assert.deepEqual([...o.probesBy.keys()], [owners.get(o.address)], `${o.address} is probed by its owner only: ${JSON.stringify([...o.probesBy])}`);
    }
    assert.ok(new Set(owners.values()).size >= 2, 'the targets are spread over the nodes');

    const victim = origins[0] as Origin;
    const killedAt = Date.now();
    await victim.kill();
    await waitFor(async () => (await Promise.all([...nodes.values()].map((n) => stateOf(n, victim.address)))).every((s) => s === 'unhealthy'), 3000, 'every node to mark the dead origin unhealthy');
    // interval × unhealthyThreshold + 1 s
    assert.ok(Date.now() - killedAt < 200 * 2 + 1000, `took ${Date.now() - killedAt} ms`);
    const explained = await (nodes.get('a') as ProxyNode).explainHealth('api', victim.address);
    if (owners.get(victim.address) !== 'a') assert.match(explained.upstreams[0]?.targets[0]?.reason ?? '', /probed by /);
  });

  it('moves the probing of a node that leaves to the others, and probing continues', async () => {
    const origins = await Promise.all(['o1', 'o2', 'o3', 'o4', 'o5', 'o6'].map((id) => startOrigin(id, closers)));
    const input = configFor(origins);
    for (const name of ['a', 'b', 'c']) await startNode(name, input);
    await formed(['a', 'b', 'c']);
    await spread('a');
    const before = await (nodes.get('a') as ProxyNode).cluster?.status();
    // Ownership hashes the origins' (random) ports: the node that leaves is one that owns targets.
    const ownedBy = (node: string): string[] => (before?.probes ?? []).filter((p) => p.owner === node).map((p) => p.target);
    const leaving = ownedBy('c').length > 0 ? 'c' : 'b';
    const staying = leaving === 'c' ? ['a', 'b'] : ['a', 'c'];
    const ofLeaving = ownedBy(leaving);
    assert.ok(ofLeaving.length > 0, `${leaving} owns some targets`);
    await (nodes.get(leaving) as ProxyNode).close({ graceMs: 0 });
    await formed(staying);
    await delay(300);
    for (const o of origins) o.probesBy.clear();
    await delay(800);
    for (const target of ofLeaving) {
      const o = origins.find((x) => x.address === target) as Origin;
      const probers = [...o.probesBy.keys()];
      assert.equal(probers.length, 1, `${target} probed by ${probers.join(',')}`);
      assert.ok(staying.includes(probers[0] as string));
    }
  });

  it('probes every target itself when the link is down', async () => {
    const origins = await Promise.all(['o1', 'o2', 'o3'].map((id) => startOrigin(id, closers)));
    const input = configFor(origins);
    for (const name of ['a', 'b']) await startNode(name, input);
    await formed(['a', 'b']);
    const a = nodes.get('a') as ProxyNode;
    a.bus.publish({ type: 'cluster.transport-status', transport: 'a', status: 'disconnected', at: Date.now() } as Message);
    await delay(300);
    for (const o of origins) o.probesBy.clear();
    await delay(700);
    for (const o of origins) assert.ok((o.probesBy.get('a') ?? 0) > 0, `${o.address} probed by a while its link is down`);
  });

  it('rolls a config out to every node, refuses one any node rejects on all, and gives a late joiner the current version', async () => {
    const origins = await Promise.all(['o1', 'o2'].map((id) => startOrigin(id, closers)));
    const input = configFor(origins);
    for (const name of ['a', 'b', 'c']) await startNode(name, input);
    await formed(['a', 'b', 'c']);
    const a = nodes.get('a') as ProxyNode;
    const next = configFor(origins, { routes: [{ name: 'fixed', match: { path: '/new' }, respond: { status: 299, body: 'new' } }, { name: 'all', forward: { upstream: 'api' } }] } as Partial<ConfigInput>);
    const result = await a.cluster?.pushConfig(next, 'test');
    assert.equal(result?.isCommitted, true, JSON.stringify(result));
    assert.deepEqual(result?.nodes.map((n) => [n.node, n.vote, n.applied]), [['a', 'ack', 'applied'], ['b', 'ack', 'applied'], ['c', 'ack', 'applied']]);
    for (const node of nodes.values()) {
      assert.equal((await get(node.listeners()[0]?.port as number, '/new')).status, 299);
      assert.equal((await node.cluster?.status())?.config.version, 1);
    }

    // Valid for the schema, refused by every node's own check; applied nowhere.
    const moved = { ...next, cluster: { name: 'elsewhere', nats: { servers: ['nats://127.0.0.1:4222'] } }, routes: [{ name: 'all', forward: { upstream: 'api' } }] };
    const refused = await a.cluster?.pushConfig(moved, 'test');
    assert.equal(refused?.isCommitted, false);
    assert.deepEqual(refused?.nodes.map((n) => [n.node, n.vote, n.problems[0]?.path]), [['a', 'nack', 'cluster.name'], ['b', 'nack', 'cluster.name'], ['c', 'nack', 'cluster.name']]);
    for (const node of nodes.values()) assert.equal((await get(node.listeners()[0]?.port as number, '/new')).status, 299, 'the old version still serves');

    const d = await startNode('d', input);
    await waitFor(async () => (await get(d.listeners()[0]?.port as number, '/new')).status === 299, 3000, 'the late joiner to get version 1');
    assert.equal((await d.cluster?.status())?.config.version, 1);
  });

  it('aborts a rollout a member never answers, with its silence as the reason, and applies it nowhere', async () => {
    const origins = await Promise.all(['o1'].map((id) => startOrigin(id, closers)));
    const input = configFor(origins);
    for (const name of ['a', 'b']) await startNode(name, input, { voteTimeoutMs: 300 });
    await formed(['a', 'b']);
    const a = nodes.get('a') as ProxyNode;
    const versionBefore = a.configVersion;
    await (transports.get('b') as InMemoryTransport).close(); // b falls silent; a still counts it a member
    const result = await a.cluster?.pushConfig(configFor(origins, { routes: [{ name: 'x', respond: { status: 204 } }] } as Partial<ConfigInput>), 'test');
    assert.equal(result?.isCommitted, false);
    assert.deepEqual(result?.nodes.map((n) => [n.node, n.vote, n.applied]), [['a', 'ack', 'not-committed'], ['b', 'none', 'not-committed']]);
    assert.match(result?.nodes[1]?.problems[0]?.message ?? '', /no vote within 300 ms/);
    assert.equal(a.configVersion, versionBefore, 'nothing applied');
    assert.equal((await a.cluster?.status())?.config.pending, undefined, 'the held proposal was released by the abort');
  });

  it('never commits two concurrent rollouts: a node holding one proposal refuses another', async () => {
    const origins = await Promise.all(['o1'].map((id) => startOrigin(id, closers)));
    const input = configFor(origins);
    for (const name of ['a', 'b']) await startNode(name, input);
    await formed(['a', 'b']);
    const [first, second] = await Promise.all([
      (nodes.get('b') as ProxyNode).cluster?.pushConfig(configFor(origins, { routes: [{ name: 'x', respond: { status: 204 } }] } as Partial<ConfigInput>), 'b'),
      (nodes.get('a') as ProxyNode).cluster?.pushConfig(configFor(origins, { routes: [{ name: 'y', respond: { status: 205 } }] } as Partial<ConfigInput>), 'a'),
    ]);
    assert.ok(!(first?.isCommitted === true && second?.isCommitted === true), 'two concurrent rollouts never both commit');
    for (const r of [first, second]) {
      if (r?.isCommitted === false) assert.ok(r.nodes.some((n) => n.vote === 'nack' && /in progress|proposing/.test(n.problems[0]?.message ?? '')), JSON.stringify(r));
    }
    const statuses = await Promise.all([...nodes.values()].map(async (n) => (await get(n.listeners()[0]?.port as number)).status));
    assert.equal(new Set(statuses).size, 1, `every node serves the same version: ${statuses.join(', ')}`);
  });

  it('relays events only while a node has a cluster-scope subscriber, and sends nothing per request otherwise', async () => {
    const origins = await Promise.all(['o1'].map((id) => startOrigin(id, closers)));
    const input = configFor(origins, { upstreams: [{ name: 'api', targets: origins.map((o) => ({ address: o.address })) }] } as Partial<ConfigInput>);
    for (const name of ['a', 'b']) await startNode(name, input);
    await formed(['a', 'b']);
    const a = nodes.get('a') as ProxyNode;
    const b = nodes.get('b') as ProxyNode;
    const portB = b.listeners()[0]?.port as number;

    const sentBefore = b.cluster?.frames.sent as number;
    const heartbeatsPerWindow = Math.ceil(500 / HEARTBEAT_MS) + 2;
    for (let i = 0; i < 50; i++) await get(portB);
    await delay(100);
    const sentIdle = (b.cluster?.frames.sent as number) - sentBefore;
    assert.ok(sentIdle <= heartbeatsPerWindow, `50 requests without a cluster subscriber cost ${sentIdle} frames (heartbeats only)`);

    const relayed: Message[] = [];
    const sub = a.bus.on(ClusterEventsRelayed).subscribe((batch) => {
      if (batch.node === 'b') relayed.push(...(batch.events as unknown as Message[]));
    });
    a.bus.publish(ClusterEventsInterest.make({ types: [RequestCompleted.type], prefixes: [] }));
    await waitFor(() => b.bus.hasSubscribers(RequestCompleted), 2000, 'b to start relaying');
    for (let i = 0; i < 20; i++) await get(portB);
    await waitFor(() => relayed.filter((e) => e.type === 'request.completed').length === 20, 2000, 'the 20 request.completed events of b');

    a.bus.publish(ClusterEventsInterest.make({ types: [], prefixes: [] }));
    await waitFor(() => !b.bus.hasSubscribers(RequestCompleted), 2000, 'b to stop relaying');
    sub.unsubscribe();
  });

  it('drops, counts and reports frames with a bad schema or an old protocol version; nothing crashes', async () => {
    const origins = await Promise.all(['o1'].map((id) => startOrigin(id, closers)));
    const a = await startNode('a', configFor(origins));
    const rejected: FrameRejected[] = [];
    const sub = a.bus.on(FrameRejected).subscribe((m) => rejected.push(m));
    const rogue = hub.connect();
    const subject = subjectFor('test', 'health.verdict-shared');
    const envelope = { id: 'r1', type: 'health.verdict-shared', v: PROTOCOL_VERSION, ts: Date.now(), node: 'rogue' };
    const verdict = { type: 'health.verdict-shared', node: 'rogue', upstream: 'api', target: origins[0]?.address, verdict: 'unhealthy', reason: 'rogue', since: 1, cause: 'sync' };
    rogue.publish(subject, jsonCodec.encode({ ...envelope, v: PROTOCOL_VERSION - 1, payload: verdict }));
    rogue.publish(subject, jsonCodec.encode({ ...envelope, payload: { ...verdict, verdict: 'sideways' } }));
    rogue.publish(subject, Uint8Array.from([0xff, 0x00]));
    await waitFor(() => rejected.length === 3, 2000, 'three rejections');
    assert.deepEqual(rejected.map((r) => r.code).sort(), ['ERR_MESSAGE_INVALID', 'ERR_TRANSPORT_FRAME_REJECTED', 'ERR_TRANSPORT_VERSION_MISMATCH']);
    assert.equal((await a.cluster?.status())?.frames.rejected, 3);
    assert.equal(await stateOf(a, origins[0]?.address as string), 'healthy', 'nothing of the bad frames was applied');
    assert.equal((await get(a.listeners()[0]?.port as number)).status, 200);
    sub.unsubscribe();
    await rogue.close();
  });
});
