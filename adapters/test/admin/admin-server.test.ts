import assert from 'node:assert/strict';
import http from 'node:http';
import { AdminConfig, ConfigError } from '@switchyard/config';
import { startAdminServer, type DrainRequest } from '../../src/admin/admin-server.js';
import { isLoopbackHost } from '../../src/admin/admin-auth.js';
import { fixtureConfigInput, request, requestJson, startFixture, StreamClient, UpgradeRefused, type Fixture } from './admin-fixture.js';

const TOKEN = 's3cret-token';
const auth = { authorization: `Bearer ${TOKEN}` };

describe('admin API', () => {
  describe('without a token (loopback)', () => {
    let fx: Fixture;
    const drains: DrainRequest[] = [];
    let reloadOutcome: 'ok' | 'fail' = 'ok';
    before(async () => {
      fx = await startFixture({
        admin: {
          configSource: '/etc/switchyard.yaml',
          targetHealth: (upstream, target) => (upstream === 'app' ? { state: 'healthy', checkedTarget: target } : undefined),
        },
      });
    });
    after(() => fx.close());

    it('answers /healthz and /readyz, and /readyz turns 503 after setReady(false)', async () => {
      assert.deepEqual(await requestJson(`${fx.adminUrl}/healthz`).then((r) => [r.status, r.json]), [200, { status: 'ok' }]);
      assert.equal((await request(`${fx.adminUrl}/readyz`)).status, 200);
      fx.admin.setReady(false);
      const r = await requestJson(`${fx.adminUrl}/readyz`);
      assert.deepEqual([r.status, r.json], [503, { status: 'shutting-down' }]);
      assert.equal((await request(`${fx.adminUrl}/healthz`)).status, 200, 'still alive');
      fx.admin.setReady(true);
      assert.equal((await request(`${fx.adminUrl}/readyz`)).status, 200);
    });

    it('describes the node', async () => {
      const { status, json } = await requestJson(`${fx.adminUrl}/api/node`);
      assert.equal(status, 200);
      assert.equal(json['name'], 'test-node');
      assert.equal(json['pid'], process.pid);
      assert.equal(json['configVersion'], 1);
      assert.equal(json['configSource'], '/etc/switchyard.yaml');
      assert.equal(json['version'], '0.1.0');
      assert.equal(typeof json['uptimeSeconds'], 'number');
      assert.equal(json['isReady'], true);
    });

    it('lists listeners with their live counters', async () => {
      await request(`${fx.proxyUrl}/hello`);
      const { json } = await requestJson(`${fx.adminUrl}/api/listeners`);
      const listeners = json['listeners'] as { name: string; port: number; address: string; counters: { requests: number } }[];
      assert.equal(listeners.length, 1);
      assert.equal(listeners[0]?.name, 'web');
      assert.equal(listeners[0]?.port, fx.node.listeners()[0]?.port);
      assert.equal(listeners[0]?.address, `127.0.0.1:${listeners[0]?.port}`);
      assert.ok((listeners[0]?.counters.requests ?? 0) >= 1);
    });

    it('lists routes with their action', async () => {
      const { json } = await requestJson(`${fx.adminUrl}/api/routes`);
      const routes = json['routes'] as Record<string, unknown>[];
      assert.deepEqual(routes.map((r) => [r['name'], r['action'], r['priority']]), [
        ['api', 'forward', 10],
        ['static', 'respond', 20],
      ]);
      assert.deepEqual(routes[0]?.['upstreams'], [{ upstream: 'app', weight: 1 }]);
    });

    it('lists upstreams with target weight, state and health from the provider', async () => {
      const { json } = await requestJson(`${fx.adminUrl}/api/upstreams`);
      assert.deepEqual(json['upstreams'], [
        {
          name: 'app',
          balance: 'round-robin',
          healthCheck: null,
          targets: [{ address: `127.0.0.1:${fx.originPort}`, weight: 1, state: 'active', health: { state: 'healthy', checkedTarget: `127.0.0.1:${fx.originPort}` } }],
        },
      ]);
    });

    it('shows the config being served, with its version and source', async () => {
      const { json } = await requestJson(`${fx.adminUrl}/api/config`);
      assert.equal(json['version'], 1);
      assert.equal(json['source'], '/etc/switchyard.yaml');
      const config = json['config'] as { routes: { name: string }[] };
      assert.deepEqual(config.routes.map((r) => r.name), ['api', 'static']);
    });

    it('serves Prometheus text at /metrics', async () => {
      const res = await request(`${fx.adminUrl}/metrics`);
      assert.equal(res.status, 200);
      assert.match(String(res.headers['content-type']), /^text\/plain/);
      assert.match(res.body, /^switchyard_config_version 1$/m);
    });

    it('answers 426 to /events without an upgrade, 404 to unknown paths and 405 with Allow to a wrong method', async () => {
      const events = await requestJson(`${fx.adminUrl}/events`);
      assert.equal(events.status, 426);
      assert.equal(events.headers['upgrade'], 'websocket');
      const missing = await requestJson(`${fx.adminUrl}/api/nothing`);
      assert.deepEqual([missing.status, (missing.json['error'] as { code: string }).code], [404, 'ERR_ADMIN_NOT_FOUND']);
      const wrong = await requestJson(`${fx.adminUrl}/api/node`, { method: 'DELETE' });
      assert.equal(wrong.status, 405);
      assert.equal(wrong.headers['allow'], 'GET, HEAD');
    });

    it('refuses cross-origin requests and a Host that is not loopback (DNS rebinding)', async () => {
      const cross = await requestJson(`${fx.adminUrl}/api/reload`, { method: 'POST', headers: { origin: 'http://evil.example' } });
      assert.equal(cross.status, 403);
      const rebound = await requestJson(`${fx.adminUrl}/api/node`, { headers: { host: `evil.example:${fx.admin.port}` } });
      assert.equal(rebound.status, 403);
      const sameOrigin = await requestJson(`${fx.adminUrl}/api/node`, { headers: { origin: fx.adminUrl } });
      assert.equal(sameOrigin.status, 200);
      await assert.rejects(StreamClient.open(fx.wsUrl, '', { headers: { origin: 'http://evil.example' } }), (err: unknown) => err instanceof UpgradeRefused && err.status === 403);
    });

    it('POST /api/config applies a valid config and bumps the version', async () => {
      const input = fixtureConfigInput(fx.originPort);
      const next = { ...input, routes: [...(input.routes ?? []), { name: 'extra', priority: 5, match: { path: '/extra' }, respond: { status: 204 } }] };
      const res = await requestJson(`${fx.adminUrl}/api/config`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(next) });
      assert.deepEqual([res.status, res.json], [200, { version: 2, source: 'admin-api' }]);
      assert.equal((await request(`${fx.proxyUrl}/extra`)).status, 204);
      const routes = (await requestJson(`${fx.adminUrl}/api/routes`)).json['routes'] as { name: string }[];
      assert.deepEqual(routes.map((r) => r.name), ['api', 'static', 'extra']);
      const nodeView = (await requestJson(`${fx.adminUrl}/api/node`)).json;
      assert.deepEqual([nodeView['configVersion'], nodeView['configSource']], [2, 'admin-api']);
    });

    it('POST /api/config answers 400 with every problem of an invalid config, and keeps serving', async () => {
      const version = fx.node.configVersion;
      const res = await requestJson(`${fx.adminUrl}/api/config`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ listeners: [], routes: [{ name: 'x', colour: 'red', respond: {} }] }),
      });
      assert.equal(res.status, 400);
      assert.equal((res.json['error'] as { code: string }).code, 'ERR_CONFIG_INVALID');
      const problems = res.json['problems'] as { path: string; message: string }[];
      assert.deepEqual(problems.map((p) => p.path).sort(), ['listeners', 'routes.0.colour']);
      assert.ok(problems.every((p) => typeof p.message === 'string' && p.message !== ''));
      assert.equal(fx.node.configVersion, version);
    });

    it('POST /api/config answers 409 when the node refuses a valid config', async () => {
      const version = fx.node.configVersion;
      const input = fixtureConfigInput(fx.originPort);
      // The origin's port is taken: the new listener cannot bind.
      const next = { ...input, listeners: [...input.listeners, { name: 'clash', address: `127.0.0.1:${fx.originPort}` }] };
      const res = await requestJson(`${fx.adminUrl}/api/config`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(next) });
      assert.equal(res.status, 409);
      assert.equal((res.json['error'] as { code: string }).code, 'ERR_CONFIG_NOT_APPLIED');
      assert.ok((res.json['problems'] as unknown[]).length >= 1);
      assert.equal(fx.node.configVersion, version);
    });

    it('POST /api/config needs a JSON body sent as application/json', async () => {
      const noType = await requestJson(`${fx.adminUrl}/api/config`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{}' });
      assert.equal(noType.status, 415);
      const notJson = await requestJson(`${fx.adminUrl}/api/config`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{nope' });
      assert.equal(notJson.status, 400);
    });

    it('POST /api/reload is 501 without a reload hook', async () => {
      const res = await requestJson(`${fx.adminUrl}/api/reload`, { method: 'POST' });
      assert.deepEqual([res.status, (res.json['error'] as { code: string }).code], [501, 'ERR_ADMIN_NOT_IMPLEMENTED']);
    });

    it('POST drain/undrain is 501 until the balancing issue wires it, and 404 for an unknown target', async () => {
      const target = encodeURIComponent(`127.0.0.1:${fx.originPort}`);
      const res = await requestJson(`${fx.adminUrl}/api/targets/app/${target}/drain`, { method: 'POST' });
      assert.deepEqual([res.status, (res.json['error'] as { code: string }).code], [501, 'ERR_ADMIN_NOT_IMPLEMENTED']);
      const unknown = await requestJson(`${fx.adminUrl}/api/targets/app/10.9.9.9%3A1/drain`, { method: 'POST' });
      assert.equal(unknown.status, 404);
      assert.deepEqual(drains, []);
    });

    describe('with hooks', () => {
      let hooked: Fixture;
      before(async () => {
        hooked = await startFixture({
          admin: {
            hooks: {
              reload: async () =>
                reloadOutcome === 'ok' ? { ok: true, version: 7, isUnchanged: false } : { ok: false, problems: [{ path: 'routes.0.forward.upstream', message: 'unknown upstream "nope"' }], keptVersion: 1 },
              drain: (req) => {
                drains.push(req);
                return undefined;
              },
            },
          },
        });
      });
      after(() => hooked.close());

      it('POST /api/reload calls the hook: 200 with the version, or 409 with the problems', async () => {
        reloadOutcome = 'ok';
        const ok = await requestJson(`${hooked.adminUrl}/api/reload`, { method: 'POST' });
        assert.equal(ok.status, 200);
        assert.equal(ok.json['version'], 7);
        reloadOutcome = 'fail';
        const failed = await requestJson(`${hooked.adminUrl}/api/reload`, { method: 'POST' });
        assert.equal(failed.status, 409);
        assert.deepEqual(failed.json['problems'], [{ path: 'routes.0.forward.upstream', message: 'unknown upstream "nope"' }]);
      });

      it('POST drain and undrain call the hook with the decoded target', async () => {
        const target = `127.0.0.1:${hooked.originPort}`;
        const drained = await requestJson(`${hooked.adminUrl}/api/targets/app/${encodeURIComponent(target)}/drain`, { method: 'POST' });
        assert.deepEqual([drained.status, drained.json], [200, { upstream: 'app', target, state: 'draining' }]);
        const back = await requestJson(`${hooked.adminUrl}/api/targets/app/${target}/undrain`, { method: 'POST' });
        assert.equal(back.status, 200);
        assert.deepEqual(drains, [
          { upstream: 'app', target, isDraining: true },
          { upstream: 'app', target, isDraining: false },
        ]);
      });
    });
  });

  describe('with a token', () => {
    let fx: Fixture;
    before(async () => {
      fx = await startFixture({ token: TOKEN });
    });
    after(() => fx.close());

    it('answers 401 with WWW-Authenticate: Bearer on every endpoint but the probes', async () => {
      for (const [method, path] of [
        ['GET', '/api/node'],
        ['GET', '/api/listeners'],
        ['GET', '/api/routes'],
        ['GET', '/api/upstreams'],
        ['GET', '/api/config'],
        ['POST', '/api/config'],
        ['POST', '/api/reload'],
        ['POST', '/api/targets/app/x/drain'],
        ['GET', '/metrics'],
        ['GET', '/events'],
        ['GET', '/nothing'],
      ] as const) {
        const res = await request(`${fx.adminUrl}${path}`, { method });
        assert.equal(res.status, 401, `${method} ${path}`);
        assert.equal(res.headers['www-authenticate'], 'Bearer realm="switchyard"', `${method} ${path}`);
      }
      assert.equal((await request(`${fx.adminUrl}/healthz`)).status, 200);
      assert.equal((await request(`${fx.adminUrl}/readyz`)).status, 200);
    });

    it('answers 401 invalid_token to a wrong token, and 200 to the right one', async () => {
      const wrong = await request(`${fx.adminUrl}/api/node`, { headers: { authorization: 'Bearer nope' } });
      assert.equal(wrong.status, 401);
      assert.match(String(wrong.headers['www-authenticate']), /error="invalid_token"/);
      assert.equal((await request(`${fx.adminUrl}/api/node`, { headers: auth })).status, 200);
      assert.equal((await request(`${fx.adminUrl}/metrics`, { headers: auth })).status, 200);
    });

    it('redacts the token in GET /api/config', async () => {
      const { json } = await requestJson(`${fx.adminUrl}/api/config`, { headers: auth });
      assert.deepEqual((json['config'] as { admin: unknown }).admin, { address: { host: '127.0.0.1', port: 0, text: '127.0.0.1:0' }, token: '[redacted]' });
    });

    it('needs the token for /events too, in the header or as access_token', async () => {
      await assert.rejects(StreamClient.open(fx.wsUrl, 'type=conn.opened'), (err: unknown) => {
        assert.ok(err instanceof UpgradeRefused);
        assert.equal(err.status, 401);
        assert.equal(err.headers['www-authenticate'], 'Bearer realm="switchyard"');
        return true;
      });
      const viaHeader = await StreamClient.open(fx.wsUrl, 'type=conn.opened', { headers: auth });
      const viaQuery = await StreamClient.open(fx.wsUrl, `type=conn.opened&access_token=${TOKEN}`);
      await request(`${fx.proxyUrl}/`);
      await viaHeader.waitForEvents((f) => f.length === 1);
      await viaQuery.waitForEvents((f) => f.length === 1);
      await viaHeader.close();
      await viaQuery.close();
    });

    it('serves a request whose Host is not loopback when the token is given', async () => {
      const res = await request(`${fx.adminUrl}/api/node`, { headers: { ...auth, host: 'admin.example:9901' } });
      assert.equal(res.status, 200);
    });
  });

  describe('binding', () => {
    it('refuses to start on a non-loopback address without a token, before binding anything', async () => {
      const listen = http.Server.prototype.listen;
      let listenCalls = 0;
      http.Server.prototype.listen = function (this: http.Server, ...args: unknown[]) {
        listenCalls++;
        return (listen as (...a: unknown[]) => http.Server).apply(this, args);
      } as typeof listen;
      const bus = { subscribe: () => ({ unsubscribe: () => undefined }) };
      try {
        for (const address of ['0.0.0.0:0', '[::]:0', '192.0.2.10:9901', 'admin.example:9901']) {
          await assert.rejects(
            startAdminServer({ node: { bus } as never, config: AdminConfig.parse({ address }) }),
            (err: unknown) => {
              assert.ok(err instanceof ConfigError, String(err));
              assert.equal(err.code, 'ERR_CONFIG_INVALID');
              assert.deepEqual(err.problems.map((p) => p.path), ['admin.token']);
              return true;
            },
            address,
          );
        }
      } finally {
        http.Server.prototype.listen = listen;
      }
      assert.equal(listenCalls, 0, 'nothing was bound');
    });

    it('reports an address in use as ERR_LISTENER_BIND_FAILED', async () => {
      const fx = await startFixture();
      try {
        await assert.rejects(
          startAdminServer({ node: fx.node, config: AdminConfig.parse({ address: `127.0.0.1:${fx.admin.port}` }) }),
          (err: unknown) => (err as { code?: string }).code === 'ERR_LISTENER_BIND_FAILED',
        );
      } finally {
        await fx.close();
      }
    });

    it('knows which hosts are loopback', () => {
      for (const h of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', 'LOCALHOST', '::ffff:127.0.0.1']) assert.equal(isLoopbackHost(h), true, h);
      for (const h of ['0.0.0.0', '::', '10.0.0.1', '128.0.0.1', 'example.com', '::ffff:10.0.0.1']) assert.equal(isLoopbackHost(h), false, h);
    });
  });
});
