// Hot reload of router scripts: a changed file swaps in atomically; a broken one is refused while traffic keeps flowing.
import assert from 'node:assert/strict';
import http from 'node:http';
import { ConfigNotAppliedError, ScriptLoaded, ScriptReloadFailed } from '@switchyard/actors';
import { loadConfig } from '@switchyard/config';
import type { MessageOf } from '@switchyard/core';
import { Closers } from '../helpers/closers.js';
import { httpRequest } from '../helpers/http-request.js';
import { scriptFiles, waitFor } from '../helpers/script-files.js';
import { proxyConfig, startProxy, type ProxyConfigInput } from '../helpers/start-proxy.js';

function version(tag: string): string {
  return `import { defineRouter } from '@switchyard/actors';
export default defineRouter({
  init: () => 0,
  decide(_req, ctx) {
    ctx.state = (ctx.state as number) + 1;
    return { kind: 'respond', status: 200, headers: { 'x-count': String(ctx.state) }, body: '${tag}' };
  },
});
`;
}

/** Sends requests back to back on `connections` keep-alive connections until stopped; counts bodies and failures. */
function trafficTo(port: number, connections: number): { stop: () => Promise<void>; bodies: Map<string, number>; failures: string[] } {
  const bodies = new Map<string, number>();
  const failures: string[] = [];
  let isRunning = true;
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const one = (): Promise<void> =>
    new Promise((resolve) => {
      http
        .get({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (body += c));
          res.on('end', () => {
            if (res.statusCode === 200) bodies.set(body, (bodies.get(body) ?? 0) + 1);
            else failures.push(`${res.statusCode}: ${body}`);
            resolve();
          });
        })
        .on('error', (e) => {
          failures.push(e.message);
          resolve();
        });
    });
  const loops = Array.from({ length: connections }, async () => {
    while (isRunning) await one();
  });
  return {
    bodies,
    failures,
    stop: async () => {
      isRunning = false;
      await Promise.all(loops);
      agent.destroy();
    },
  };
}

for (const isolation of ['inline', 'worker'] as const) {
  describe(`scripted routes: hot reload (${isolation})`, () => {
    const closers = new Closers();
    afterEach(() => closers.closeAll());

    async function setup() {
      const files = scriptFiles(closers);
      const file = files.write('router.ts', version('v1'));
      const input: ProxyConfigInput = { routes: [{ name: 'scripted', script: { path: file, isolation } }] };
      const proxy = await startProxy(input, closers);
      const loaded: MessageOf<typeof ScriptLoaded>[] = [];
      const rejected: MessageOf<typeof ScriptReloadFailed>[] = [];
      const subs = [proxy.node.bus.subscribe(ScriptLoaded, (m) => loaded.push(m)), proxy.node.bus.subscribe(ScriptReloadFailed, (m) => rejected.push(m))];
      closers.add(() => subs.forEach((s) => s.unsubscribe()));
      return { files, file, input, proxy, loaded, rejected };
    }

    it('swaps a changed file in for new requests', async () => {
      const { files, proxy, loaded } = await setup();
      assert.equal((await httpRequest(proxy.url)).body, 'v1');
      files.write('router.ts', version('v2'));
      await waitFor(() => loaded.some((m) => m.cause === 'file-changed'), 10_000, 'script.loaded');
      assert.equal((await httpRequest(proxy.url)).body, 'v2');
      assert.equal(loaded[0]?.route, 'scripted');
      assert.equal(loaded[0]?.isolation, isolation);
    });

    it('keeps the running version, with zero failed requests, when a syntax error is saved under traffic', async () => {
      const { files, proxy, loaded, rejected } = await setup();
      const traffic = trafficTo(proxy.port, 4);
      closers.add(() => traffic.stop());
      await waitFor(() => (traffic.bodies.get('v1') ?? 0) > 50, 5000, 'traffic on v1');
      files.write('router.ts', 'export default { decide( { return { kind: "next" } } };\n');
      await waitFor(() => rejected.length > 0, 10_000, 'script.reload-failed');
      const beforeFix = traffic.bodies.get('v1') ?? 0;
      await waitFor(() => (traffic.bodies.get('v1') ?? 0) > beforeFix + 50, 5000, 'v1 still serving');
      files.write('router.ts', version('v3'));
      await waitFor(() => loaded.some((m) => m.cause === 'file-changed'), 10_000, 'the fixed version');
      await waitFor(() => (traffic.bodies.get('v3') ?? 0) > 50, 5000, 'traffic on v3');
      await traffic.stop();
      assert.deepEqual(traffic.failures, []);
      assert.deepEqual([...traffic.bodies.keys()].sort(), ['v1', 'v3']);
      assert.match(rejected[0]?.problems[0]?.message ?? '', /syntax error/);
      assert.ok(rejected[0]?.problems[0]?.line !== undefined);
    });

    it('refuses a changed file whose self-test fails', async () => {
      const { files, proxy, rejected } = await setup();
      files.write('router.ts', `${version('v2')}\nexport function selfTest(t) { if (t.decide().body !== 'v1') throw new Error('v2 is not ready'); }\n`);
      await waitFor(() => rejected.length > 0, 10_000, 'script.reload-failed');
      assert.match(rejected[0]?.problems[0]?.message ?? '', /self-test failed: v2 is not ready/);
      assert.equal((await httpRequest(proxy.url)).body, 'v1');
    });

    it('keeps a router and its state across a config reload that does not change it, and refuses one that breaks it', async () => {
      const { files, input, proxy } = await setup();
      assert.equal((await httpRequest(proxy.url)).headers['x-count'], '1');
      await proxy.node.apply(loadConfig(proxyConfig({ ...input, server: { limits: { maxBodySize: '2mb' } } })), 'test');
      assert.equal((await httpRequest(proxy.url)).headers['x-count'], '2', 'same instance, same state');
      const broken = files.write('other.ts', 'export default 42;\n');
      await assert.rejects(proxy.node.apply(loadConfig(proxyConfig({ routes: [{ name: 'scripted', script: { path: broken, isolation } }] })), 'test'), (error: unknown) => {
        assert.ok(error instanceof ConfigNotAppliedError);
        assert.equal(error.problems[0]?.path, 'routes.0.script');
        assert.match(error.problems[0]?.message ?? '', /has no router/);
        return true;
      });
      assert.equal((await httpRequest(proxy.url)).headers['x-count'], '3');
    });
  });
}
