// Reloading a running node: new routes for new requests, in-flight ones finish on the old, bad configs refused whole.
import assert from 'node:assert/strict';
import net from 'node:net';
import { ConfigNotAppliedError } from '@switchyard/actors';
import { loadConfig } from '@switchyard/config';
import { ConfigApplied, ConfigRejected, type MessageOf } from '@switchyard/core';
import { Closers } from '../helpers/closers.js';
import { startHttpOrigin } from '../helpers/http-origin.js';
import { httpRequest } from '../helpers/http-request.js';
import { proxyConfig, startProxy, upstream, type ProxyConfigInput } from '../helpers/start-proxy.js';

function forwardAllTo(address: string, extra: Partial<ProxyConfigInput> = {}): ProxyConfigInput {
  return { routes: [{ name: 'all', forward: { upstream: 'u' } }], upstreams: [upstream('u', [address])], ...extra };
}

describe('proxy reload (integration)', () => {
  const closers = new Closers();
  afterEach(() => closers.closeAll());

  it('switches new requests to the new routes and publishes ConfigApplied', async () => {
    const a = await startHttpOrigin('a', closers);
    const b = await startHttpOrigin('b', closers);
    const proxy = await startProxy(forwardAllTo(a.address), closers);
    const applied: MessageOf<typeof ConfigApplied>[] = [];
    const sub = proxy.node.bus.subscribe(ConfigApplied, (m) => applied.push(m));
    closers.add(() => sub.unsubscribe());
    assert.equal((await httpRequest(`${proxy.url}/`)).headers['x-origin'], 'a');
    const before = proxy.node.configVersion;

    await proxy.node.apply(loadConfig(proxyConfig(forwardAllTo(b.address))), 'test');

    assert.equal(proxy.node.configVersion, before + 1);
    assert.deepEqual(proxy.node.listeners().map((l) => l.port), [proxy.port], 'an unchanged listener keeps its socket');
    for (let i = 0; i < 3; i++) assert.equal((await httpRequest(`${proxy.url}/`)).headers['x-origin'], 'b');
    assert.equal(applied.length, 1);
    assert.equal(applied[0]?.version, before + 1);
    assert.equal(applied[0]?.source, 'test');
  });

  it('lets a request in flight during a reload complete on the old config', async () => {
    const slow = await startHttpOrigin('old', closers, (_req, res) => {
      setTimeout(() => res.end('old answer'), 600);
      return true;
    });
    const fresh = await startHttpOrigin('new', closers);
    const proxy = await startProxy(forwardAllTo(slow.address), closers);
    const inFlight = httpRequest(`${proxy.url}/slow`);
    const deadline = Date.now() + 2000;
    while (slow.requests === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.equal(slow.requests, 1, 'the slow request reached the old origin');

    await proxy.node.apply(loadConfig(proxyConfig(forwardAllTo(fresh.address))), 'test');
    const after = await httpRequest(`${proxy.url}/after`);
    const old = await inFlight;

    assert.equal(after.headers['x-origin'], 'new');
    assert.equal(old.status, 200);
    assert.equal(old.headers['x-origin'], 'old');
    assert.equal(old.body, 'old answer');
  });

  it('refuses a config whose listener cannot bind, keeps serving the old one, and publishes ConfigRejected', async () => {
    const a = await startHttpOrigin('a', closers);
    const b = await startHttpOrigin('b', closers);
    const squatter = net.createServer();
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', () => resolve()));
    closers.add(() => new Promise<void>((resolve) => squatter.close(() => resolve())));
    const busyPort = (squatter.address() as net.AddressInfo).port;

    const proxy = await startProxy(forwardAllTo(a.address), closers);
    const rejected: MessageOf<typeof ConfigRejected>[] = [];
    const sub = proxy.node.bus.subscribe(ConfigRejected, (m) => rejected.push(m));
    closers.add(() => sub.unsubscribe());
    const version = proxy.node.configVersion;

    const next = loadConfig(
      proxyConfig({
        ...forwardAllTo(b.address),
        listeners: [
          { name: 'web', address: '127.0.0.1:0' },
          { name: 'extra', address: `127.0.0.1:${busyPort}` },
        ],
      }),
    );
    await assert.rejects(proxy.node.apply(next, 'bad-reload'), (error: unknown) => {
      assert.ok(error instanceof ConfigNotAppliedError, String(error));
      assert.equal(error.problems.length, 1);
      assert.equal(error.problems[0]?.path, 'listeners.1.address');
      assert.match(error.problems[0]?.message ?? '', /EADDRINUSE/);
      return true;
    });

    assert.equal(proxy.node.configVersion, version);
    assert.deepEqual(proxy.node.listeners().map((l) => l.name), ['web']);
    assert.equal((await httpRequest(`${proxy.url}/`)).headers['x-origin'], 'a', 'the old config keeps serving');
    assert.equal(rejected.length, 1);
    assert.equal(rejected[0]?.source, 'bad-reload');
    assert.equal(rejected[0]?.keptVersion, version);
    assert.equal(rejected[0]?.problems[0]?.path, 'listeners.1.address');
  });

  it('adds and removes listeners on reload', async () => {
    const a = await startHttpOrigin('a', closers);
    const proxy = await startProxy(forwardAllTo(a.address), closers);
    await proxy.node.apply(
      loadConfig(
        proxyConfig({
          ...forwardAllTo(a.address),
          listeners: [
            { name: 'web', address: '127.0.0.1:0' },
            { name: 'second', address: '127.0.0.1:0' },
          ],
        }),
      ),
      'add',
    );
    const second = proxy.node.listeners().find((l) => l.name === 'second');
    assert.ok(second !== undefined && second.port > 0);
    assert.equal((await httpRequest(`http://127.0.0.1:${second.port}/`)).headers['x-origin'], 'a');

    await proxy.node.apply(loadConfig(proxyConfig(forwardAllTo(a.address))), 'remove');
    assert.deepEqual(proxy.node.listeners().map((l) => l.name), ['web']);
    // The removed listener drains and stops accepting.
    const deadline = Date.now() + 3000;
    let refused = false;
    while (!refused && Date.now() < deadline) {
      refused = await httpRequest(`http://127.0.0.1:${second.port}/`, { timeoutMs: 500 }).then(
        () => false,
        () => true,
      );
      if (!refused) await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(refused, 'the removed listener no longer accepts connections');
  });
});
