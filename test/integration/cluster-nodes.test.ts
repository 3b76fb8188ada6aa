// Three `switchyard run` processes in one cluster over a real nats-server: shared health, ownership, rollout, outages, bad frames.
import assert from 'node:assert/strict';
import http from 'node:http';
import { connectNatsTransport, msgpackCodec } from '@switchyard/adapters';
import { PROTOCOL_VERSION, subjectFor } from '@switchyard/core';
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
import { NatsServer } from '../helpers/nats-server.js';

const NAMES = ['node-a', 'node-b', 'node-c'] as const;
const INTERVAL_MS = 1000;
const UNHEALTHY_THRESHOLD = 2;
/** The membership timeout the nodes run with (the default). */
const MEMBERSHIP_TIMEOUT_MS = 3000;

const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });

function get(url: string, urlPath = '/'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${url}${urlPath}`, { agent, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

describe('cluster of three node processes over nats-server (integration)', function () {
  this.timeout(90_000);
  const closers = new Closers();
  let nats: NatsServer;
  let origins: ProbedOrigin[];
  let nodes: ClusterNodeProcess[];
  let dir: string;
  let file: string;

  beforeEach(async () => {
    nats = await NatsServer.start();
    closers.add(() => nats.stop());
    dir = configDir(closers);
    origins = [];
    for (const id of ['o1', 'o2', 'o3', 'o4', 'o5', 'o6']) origins.push(await startProbedOrigin(id, closers));
    file = writeConfig(dir, 'switchyard.json', clusterConfig(nats, origins, { intervalMs: INTERVAL_MS }));
    nodes = await Promise.all(NAMES.map((name) => startNodeProcess(name, file, closers)));
    await waitUntil(async () => (await Promise.all(nodes.map((n) => seesMembers(n, NAMES)))).every(Boolean), 10_000, 'the three nodes to see each other');
  });
  afterEach(() => closers.closeAll());

  const node = (i: number): ClusterNodeProcess => nodes[i] as ClusterNodeProcess;

  async function owners(): Promise<Map<string, string>> {
    const view = await adminGet<ClusterView>(node(0), '/api/cluster');
    return new Map(view.probes.map((p) => [p.target, p.owner]));
  }

  /** Probe counts by node over `ms`, once every checker has settled on its share. */
  async function probesOver(ms: number): Promise<void> {
    for (const o of origins) o.probesBy.clear();
    await delay(ms);
  }

  it('stops routing to a dead origin on all three nodes within interval × unhealthyThreshold + 1 s, with one node probing it', async () => {
    await delay(INTERVAL_MS); // checkers restarted with their share after the cluster formed
    await probesOver(2 * INTERVAL_MS + 200);
    const owner = await owners();
    for (const o of origins) {
      assert.deepEqual([...o.probesBy.keys()], [owner.get(o.address)], `${o.address} probed by ${JSON.stringify([...o.probesBy])}`);
    }
    const victim = origins[0] as ProbedOrigin;
    const killedAt = Date.now();
    await victim.kill();
    await waitUntil(async () => (await Promise.all(nodes.map((n) => mayTakeTraffic(n, victim.address)))).every((may) => may === false), 10_000, 'every node to route around the dead origin', 25);
    const tookMs = Date.now() - killedAt;
    assert.ok(tookMs <= INTERVAL_MS * UNHEALTHY_THRESHOLD + 1000, `routed around after ${tookMs} ms`);
    for (const n of nodes) {
      for (let i = 0; i < 6; i++) assert.equal((await get(n.url)).status, 200, `${n.name} still serves`);
    }
  });

  it('moves probe ownership of a killed node within the membership timeout, and probing continues', async () => {
    const before = await owners();
    const ofC = [...before].filter(([, owner]) => owner === 'node-c').map(([target]) => target);
    const killedAt = Date.now();
    await node(2).cli.kill();
    await waitUntil(async () => (await seesMembers(node(0), ['node-a', 'node-b'])) && seesMembers(node(1), ['node-a', 'node-b']), MEMBERSHIP_TIMEOUT_MS + 3000, 'node-c to be declared gone');
    const tookMs = Date.now() - killedAt;
    assert.ok(tookMs <= MEMBERSHIP_TIMEOUT_MS + 1000, `node-c declared gone after ${tookMs} ms`);
    const after = await owners();
    for (const [target, owner] of after) {
      assert.ok(owner === 'node-a' || owner === 'node-b', `${target} owned by ${owner}`);
      if (!ofC.includes(target)) assert.equal(owner, before.get(target), 'only node-c\'s targets move');
    }
    await delay(INTERVAL_MS);
    await probesOver(2 * INTERVAL_MS + 200);
    for (const o of origins) {
      assert.deepEqual([...o.probesBy.keys()], [after.get(o.address)], `${o.address} probed by ${JSON.stringify([...o.probesBy])}`);
    }
  });

  it('pushes a config to all three nodes, and refuses an invalid one everywhere while the old one keeps serving', async () => {
    const next = clusterConfig(nats, origins, { intervalMs: INTERVAL_MS, routes: [{ name: 'new', match: { path: '/new' }, respond: { status: 299, body: 'new' } }, { name: 'all', forward: { upstream: 'api' } }] });
    const pushed = startCli(['config', 'push', writeConfig(dir, 'next.json', next), '--admin', node(1).adminUrl], closers);
    assert.equal((await pushed.exited).code, 0, pushed.stderr);
    assert.match(pushed.stdout, /cluster config version 1 applied on node-a, node-b, node-c/);
    for (const n of nodes) assert.equal((await get(n.url, '/new')).status, 299, `${n.name} serves the new route`);

    const invalid = { ...next, routes: [{ name: 'broken', forward: { upstream: 'nope' } }] };
    const refused = startCli(['config', 'push', writeConfig(dir, 'invalid.json', invalid), '--admin', node(0).adminUrl], closers);
    assert.equal((await refused.exited).code, 1);
    assert.match(refused.stderr, /unknown upstream "nope"/);

    // Valid for the schema, refused by every node's own check: each node's reason is reported.
    const moved = { ...next, cluster: { name: 'elsewhere', nats: { servers: [nats.url] } } };
    const nacked = startCli(['config', 'push', writeConfig(dir, 'moved.json', moved), '--admin', node(2).adminUrl], closers);
    assert.equal((await nacked.exited).code, 1);
    for (const name of NAMES) assert.match(nacked.stderr, new RegExp(`${name}: nack`));
    assert.match(nacked.stderr, /cannot move to "elsewhere"/);
    for (const n of nodes) {
      assert.equal((await get(n.url, '/new')).status, 299, `${n.name} still serves version 1`);
      assert.equal((await adminGet<ClusterView>(n, '/api/cluster')).config.version, 1);
    }

    const status = startCli(['cluster', 'status', '--admin', node(0).adminUrl], closers);
    assert.equal((await status.exited).code, 0);
    assert.match(status.stdout, /cluster itest, seen from node-a: 3 members, link connected/);
    assert.match(status.stdout, /cluster config version 1 from cluster v1 from node-b/);
  });

  it('serves every request while nats-server is down for 10 s, then re-forms the cluster', async () => {
    let ok = 0;
    const failures: string[] = [];
    let isRunning = true;
    const worker = async (w: number): Promise<void> => {
      for (let i = w; isRunning; i++) {
        const n = node(i % 3);
        try {
          const res = await get(n.url);
          if (res.status === 200) ok++;
          else failures.push(`${n.name}: ${res.status} ${res.body}`);
        } catch (err) {
          failures.push(`${n.name}: ${(err as Error).message}`);
        }
      }
    };
    const load = Promise.all([0, 1, 2, 3].map(worker));
    await delay(1000);
    await nats.stop();
    await delay(10_000);
    await nats.restart();
    await waitUntil(async () => (await Promise.all(nodes.map((n) => seesMembers(n, NAMES)))).every(Boolean), 20_000, 'the cluster to re-form', 200);
    await delay(500);
    isRunning = false;
    await load;
    assert.deepEqual(failures.slice(0, 5), [], `${failures.length} failed requests`);
    assert.ok(ok > 200, `${ok} requests served`);
    // Back in the cluster, the probing is shared again.
    await delay(INTERVAL_MS);
    await probesOver(2 * INTERVAL_MS + 200);
    const owner = await owners();
    for (const o of origins) assert.deepEqual([...o.probesBy.keys()], [owner.get(o.address)], `${o.address} probed by ${JSON.stringify([...o.probesBy])}`);
  });

  it('drops and counts frames with a bad schema or an old protocol version on every node; nothing crashes', async () => {
    const rogue = await connectNatsTransport({ servers: nats.url, name: 'rogue' });
    closers.add(() => rogue.close());
    const subject = subjectFor('itest', 'health.verdict-shared');
    const envelope = { id: 'r1', type: 'health.verdict-shared', v: PROTOCOL_VERSION, ts: Date.now(), node: 'rogue' };
    const verdict = { type: 'health.verdict-shared', node: 'rogue', upstream: 'api', target: origins[0]?.address, verdict: 'unhealthy', reason: 'rogue', since: 1, cause: 'sync' };
    const before = await Promise.all(nodes.map(async (n) => (await adminGet<ClusterView>(n, '/api/cluster')).frames.rejected));
    rogue.publish(subject, msgpackCodec.encode({ ...envelope, v: PROTOCOL_VERSION - 1, payload: verdict }));
    rogue.publish(subject, msgpackCodec.encode({ ...envelope, payload: { ...verdict, verdict: 'sideways' } }));
    rogue.publish(subjectFor('itest', 'config.proposed'), msgpackCodec.encode({ ...envelope, type: 'config.proposed', payload: { type: 'config.proposed', proposal: 'x' } }));
    await rogue.flush();
    await waitUntil(
      async () => (await Promise.all(nodes.map(async (n, i) => (await adminGet<ClusterView>(n, '/api/cluster')).frames.rejected - (before[i] as number)))).every((d) => d === 3),
      5000,
      'every node to count three rejected frames',
    );
    for (const n of nodes) {
      assert.equal(n.cli.isRunning, true);
      assert.equal(await mayTakeTraffic(n, origins[0]?.address as string), true, 'the rogue verdict was not applied');
      assert.equal((await get(n.url)).status, 200);
    }
  });

  it('streams every node\'s events, each tagged with its node, to `switchyard events --cluster` on any node', async () => {
    const events = startCli(['events', '--cluster', '--type', 'request.completed', '--json', '--admin', node(0).adminUrl], closers);
    // The peers start relaying once they hear the interest.
    await waitUntil(async () => {
      for (const n of nodes) await get(n.url);
      return ['node-a', 'node-b', 'node-c'].every((name) => events.stdout.includes(`"node":"${name}"`));
    }, 10_000, 'events of all three nodes', 200);
    events.signal('SIGINT');
    assert.equal((await events.exited).code, 0, events.stderr);
    const frames = events.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; node: string });
    assert.ok(frames.every((f) => f.type === 'request.completed'));
    assert.deepEqual([...new Set(frames.map((f) => f.node))].sort(), ['node-a', 'node-b', 'node-c']);
  });
});
