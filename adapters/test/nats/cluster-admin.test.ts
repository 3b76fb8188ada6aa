// Two proxy nodes joined over a real nats-server through the CLI's cluster transport: /api/cluster, /api/config/push, /events?scope=cluster, the CLI commands.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startProxyNode, type ProxyNode } from '@switchyard/actors';
import { loadConfig, type Config, type ConfigInput } from '@switchyard/config';
import { Bus, ClusterEventsRelayed, silentLogger } from '@switchyard/core';
import { startAdminServer, type AdminServer } from '../../src/admin/admin-server.js';
import { connectClusterTransport, type ClusterTransport } from '../../src/cli/cluster-transport.js';
import { runCli } from '../../src/cli/cli.js';
import { request, requestJson, StreamClient, UpgradeRefused } from '../admin/admin-fixture.js';
import { FakeIo } from '../cli/fakes.js';
import { delay, tempDir } from '../helpers.js';
import { NatsServer } from '../../src/testkit/nats-server.js';

interface Member {
  node: ProxyNode;
  admin: AdminServer;
  transport: ClusterTransport;
  adminUrl: string;
  proxyUrl: string;
}

describe('cluster admin API and CLI over nats-server', function () {
  this.timeout(20_000);
  let server: NatsServer;
  let origin: http.Server;
  let originPort: number;
  let members: Member[];

  const input = (extra: Partial<ConfigInput> = {}): ConfigInput =>
    ({
      listeners: [{ name: 'web', address: '127.0.0.1:0' }],
      routes: [{ name: 'app', forward: { upstream: 'app' } }],
      upstreams: [{ name: 'app', targets: [{ address: `127.0.0.1:${originPort}` }] }],
      admin: { address: '127.0.0.1:0' },
      cluster: { name: 'adm', nats: { servers: [server.url] } },
      ...extra,
    }) as ConfigInput;

  async function startMember(name: string): Promise<Member> {
    const config = loadConfig(input());
    const bus = new Bus();
    const transport = await connectClusterTransport(config.cluster as NonNullable<Config['cluster']>, { nodeName: name, bus, logger: silentLogger });
    const node = await startProxyNode(config, { nodeName: name, bus, cluster: { ...transport.options, heartbeatMs: 100, timeoutMs: 600 } });
    const admin = await startAdminServer({ node, config: config.admin as NonNullable<Config['admin']> });
    return { node, admin, transport, adminUrl: `http://127.0.0.1:${admin.port}`, proxyUrl: `http://127.0.0.1:${node.listeners()[0]?.port}` };
  }

  before(async () => {
    server = await NatsServer.start();
    origin = http.createServer((_req, res) => res.end('origin'));
    await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
    originPort = (origin.address() as AddressInfo).port;
    members = [await startMember('adm-a'), await startMember('adm-b')];
    for (const m of members) {
      await waitForAsync(async () => ((await requestJson(`${m.adminUrl}/api/cluster`)).json['members'] as unknown[]).length === 2, 3000, 'both members');
    }
  });
  after(async () => {
    for (const m of [...members].reverse()) {
      await m.admin.close();
      await m.node.close({ graceMs: 0 });
      await m.transport.close();
    }
    origin.closeAllConnections();
    await new Promise((resolve) => origin.close(resolve));
    await server.stop();
  });

  const member = (i: number): Member => members[i] as Member;

  it('answers /api/cluster with the members, the link, the config version and the probe owners', async () => {
    const { status, json } = await requestJson(`${member(0).adminUrl}/api/cluster`);
    assert.equal(status, 200);
    assert.equal(json['isClustered'], true);
    assert.equal(json['cluster'], 'adm');
    assert.equal(json['node'], 'adm-a');
    assert.deepEqual((json['members'] as { node: string }[]).map((m) => m.node), ['adm-a', 'adm-b']);
    assert.equal((json['link'] as { isUp: boolean }).isUp, true);
    assert.equal((json['config'] as { version: number }).version, 0);

    const io = new FakeIo();
    assert.equal(await runCli(['cluster', 'status', '--admin', member(1).adminUrl], io), 0, io.err);
    assert.match(io.out, /cluster adm, seen from adm-b: 2 members, link connected/);
    assert.match(io.out, /adm-b \(self\)/);
    const bad = new FakeIo();
    assert.equal(await runCli(['cluster', 'stats', '--admin', member(1).adminUrl], bad), 2);
  });

  it('pushes a config to both nodes through /api/config/push and `switchyard config push`, and refuses bad ones', async () => {
    const invalid = await request(`${member(0).adminUrl}/api/config/push`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ listeners: [] }) });
    assert.equal(invalid.status, 400);

    const { dir, remove } = tempDir();
    try {
      const file = path.join(dir, 'next.json');
      writeFileSync(file, JSON.stringify(input({ routes: [{ name: 'v2', respond: { status: 203, body: 'v2' } }] } as Partial<ConfigInput>)));
      const io = new FakeIo(dir);
      assert.equal(await runCli(['config', 'push', 'next.json', '--admin', member(1).adminUrl], io), 0, io.err);
      assert.match(io.out, /cluster config version 1 applied on adm-a, adm-b/);
      for (const m of members) assert.equal((await request(m.proxyUrl)).status, 203);

      const moved = path.join(dir, 'moved.json');
      writeFileSync(moved, JSON.stringify(input({ cluster: { name: 'other', nats: { servers: [server.url] } } } as Partial<ConfigInput>)));
      const refused = await request(`${member(0).adminUrl}/api/config/push`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(input({ cluster: { name: 'other', nats: { servers: [server.url] } } } as Partial<ConfigInput>)) });
      assert.equal(refused.status, 409);
      const body = JSON.parse(refused.body) as { error: { code: string }; nodes: { node: string; vote: string }[]; problems: { path: string }[] };
      assert.equal(body.error.code, 'ERR_CONFIG_ROLLOUT_ABORTED');
      assert.deepEqual(body.nodes.map((n) => [n.node, n.vote]), [['adm-a', 'nack'], ['adm-b', 'nack']]);
      assert.deepEqual(body.problems.map((p) => p.path), ['adm-a: cluster.name', 'adm-b: cluster.name']);
      const cliRefused = new FakeIo(dir);
      assert.equal(await runCli(['config', 'push', 'moved.json', '--admin', member(0).adminUrl], cliRefused), 1);
      assert.match(cliRefused.err, /adm-a: nack\n {4}cluster.name: this node is in cluster "adm"/);
      for (const m of members) assert.equal((await request(m.proxyUrl)).status, 203, 'version 1 keeps serving');
    } finally {
      remove();
    }
  });

  it('streams the peer\'s events, tagged with its node, only on scope=cluster, and relays nothing once it closes', async () => {
    await assert.rejects(StreamClient.open(`${member(0).adminUrl.replace('http', 'ws')}/events`, 'scope=everything'), (err: unknown) => err instanceof UpgradeRefused && err.status === 400);
    const ws = `${member(0).adminUrl.replace('http', 'ws')}/events`;
    const local = await StreamClient.open(ws, 'type=request.completed');
    const cluster = await StreamClient.open(ws, 'type=request.completed&scope=cluster');
    await waitForAsync(async () => {
      await request(member(1).proxyUrl);
      return cluster.events.some((f) => f['node'] === 'adm-b');
    }, 3000, 'a relayed event of adm-b');
    await request(member(0).proxyUrl);
    await cluster.waitForEvents((events) => events.some((f) => f['node'] === 'adm-a'), 'the local event on the cluster stream');
    assert.ok(local.events.every((f) => f['node'] !== 'adm-b'), 'the node-scope stream has no peer events');
    await local.close();
    await cluster.close();
    // The peer stops relaying once it hears that nobody wants its events.
    await delay(300);
    const relayed: unknown[] = [];
    const sub = member(0).node.bus.on(ClusterEventsRelayed).subscribe((batch) => relayed.push(batch));
    const sent = member(1).node.cluster?.frames.sent as number;
    for (let i = 0; i < 20; i++) await request(member(1).proxyUrl);
    await delay(200);
    sub.unsubscribe();
    assert.deepEqual(relayed, [], 'nothing relayed');
    assert.ok((member(1).node.cluster?.frames.sent as number) - sent <= 6, 'only heartbeats: no frame per request');
  });
});

describe('cluster admin API on a node alone', () => {
  it('says it is not clustered, and a push applies locally', async () => {
    const config = loadConfig({ listeners: [{ name: 'web', address: '127.0.0.1:0' }], routes: [{ name: 'r', respond: { status: 200 } }], admin: { address: '127.0.0.1:0' } });
    const node = await startProxyNode(config, { nodeName: 'solo' });
    const admin = await startAdminServer({ node, config: config.admin as NonNullable<Config['admin']> });
    try {
      const url = `http://127.0.0.1:${admin.port}`;
      assert.deepEqual((await requestJson(`${url}/api/cluster`)).json, { isClustered: false, node: node.system.node });
      const next = { listeners: [{ name: 'web', address: '127.0.0.1:0' }], routes: [{ name: 'r', respond: { status: 202 } }], admin: { address: '127.0.0.1:0' } };
      const pushed = await requestJson(`${url}/api/config/push`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(next) });
      assert.equal(pushed.status, 200);
      assert.equal(pushed.json['isCommitted'], true);
      assert.equal((await request(`http://127.0.0.1:${node.listeners()[0]?.port}`)).status, 202);
    } finally {
      await admin.close();
      await node.close({ graceMs: 0 });
    }
  });
});

async function waitForAsync(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await delay(50);
  }
}
