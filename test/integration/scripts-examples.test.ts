// The example routers in examples/routers: they type-check against the public API, decide as documented, and run in a node.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { createTestRouter, testRouter } from '@switchyard/actors';
import { TargetHealthChanged } from '@switchyard/core';
import { Closers } from '../helpers/closers.js';
import { startHttpOrigin } from '../helpers/http-origin.js';
import { httpRequest } from '../helpers/http-request.js';
import { repoRoot } from '../helpers/repo-root.js';
import { startProxy, upstream } from '../helpers/start-proxy.js';

const dir = path.join(repoRoot, 'examples', 'routers');
const example = (name: string): string => path.join(dir, name);

describe('example routers', () => {
  const closers = new Closers();
  afterEach(() => closers.closeAll());

  it('type-check strictly against @switchyard/actors', function () {
    this.timeout(60_000);
    const files = readdirSync(dir).filter((f) => f.endsWith('.ts')).map((f) => path.join(dir, f));
    assert.ok(files.length >= 6);
    const program = ts.createProgram(files, {
      strict: true,
      noUncheckedIndexedAccess: true,
      noEmit: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      types: ['node'],
      skipLibCheck: true,
    });
    const problems = ts.getPreEmitDiagnostics(program).map((d) => `${d.file?.fileName ?? ''}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
    assert.deepEqual(problems, []);
  });

  it('canary: a header or cookie forces a side, everyone else is split by weight', async () => {
    const options = { stable: 'stable', canary: 'canary', weight: 10 };
    const decisions = await testRouter(example('canary.ts'), [{ headers: { 'x-canary': 'always' } }, { cookies: { canary: 'never' } }, {}], { options });
    assert.deepEqual(decisions, [
      { kind: 'forward', upstream: 'canary' },
      { kind: 'forward', upstream: 'stable' },
      { kind: 'split', split: [{ upstream: 'stable', weight: 90 }, { upstream: 'canary', weight: 10 }] },
    ]);
  });

  it('canary: 1 in 10 unmarked requests reaches the canary through the proxy', async () => {
    const stable = await startHttpOrigin('stable', closers);
    const canary = await startHttpOrigin('canary', closers);
    const proxy = await startProxy(
      {
        routes: [{ name: 'canary', script: { path: example('canary.ts'), options: { stable: 'stable', canary: 'canary', weight: 10 } } }],
        upstreams: [upstream('stable', [stable.address]), upstream('canary', [canary.address])],
      },
      closers,
    );
    const seen: Record<string, number> = {};
    for (let i = 0; i < 20; i++) {
      const id = String((await httpRequest(proxy.url)).headers['x-origin']);
      seen[id] = (seen[id] ?? 0) + 1;
    }
    assert.deepEqual(seen, { stable: 18, canary: 2 });
    assert.equal((await httpRequest(proxy.url, { headers: { cookie: 'canary=always' } })).headers['x-origin'], 'canary');
  });

  it('ab-cookie: the same user always lands in the same variant, about half in each', async () => {
    const router = await createTestRouter(example('ab-cookie.ts'), { options: { a: 'A', b: 'B' } });
    const variants = Array.from({ length: 200 }, (_, i) => router.decide({ cookies: { uid: `user-${i}` } }));
    const inB = variants.filter((d) => d.kind === 'forward' && d.upstream === 'B').length;
    assert.ok(inB > 70 && inB < 130, `${inB} of 200 in B`);
    for (let i = 0; i < 20; i++) assert.deepEqual(router.decide({ cookies: { uid: `user-${i}` } }), variants[i]);
    assert.equal(router.metrics['variant.b'], inB + variants.slice(0, 20).filter((d) => d.kind === 'forward' && d.upstream === 'B').length);
  });

  it('tenant-cidr: the client network picks the tenant; the real client address comes from a trusted proxy', async () => {
    const acme = await startHttpOrigin('acme', closers);
    const shared = await startHttpOrigin('shared', closers);
    const proxy = await startProxy(
      {
        server: { trustedProxies: ['127.0.0.1/32'] },
        routes: [
          {
            name: 'tenants',
            script: { path: example('tenant-cidr.ts'), options: { tenants: [{ cidr: '10.1.0.0/16', tenant: 'acme', upstream: 'acme' }], fallbackUpstream: 'shared' } },
          },
        ],
        upstreams: [upstream('acme', [acme.address]), upstream('shared', [shared.address])],
      },
      closers,
    );
    const inAcme = await httpRequest(proxy.url, { headers: { 'x-forwarded-for': '10.1.2.3' } });
    assert.equal(inAcme.headers['x-origin'], 'acme');
    assert.equal((JSON.parse(inAcme.body) as { headers: Record<string, string> }).headers['x-tenant'], 'acme');
    const other = await httpRequest(proxy.url, { headers: { 'x-forwarded-for': '192.0.2.7', 'x-tenant': 'forged' } });
    assert.equal(other.headers['x-origin'], 'shared');
    assert.equal((JSON.parse(other.body) as { headers: Record<string, string> }).headers['x-tenant'], undefined, 'a forged tenant header is removed');
  });

  it('chocon: Host <name>.ccnproxy reaches http://<name>, only for allowed hosts', async () => {
    const origin = await startHttpOrigin('named', closers);
    const proxy = await startProxy({ routes: [{ name: 'chocon', script: { path: example('chocon.ts'), options: { allow: ['127.0.0.1'], port: origin.port } } }] }, closers);
    const res = await httpRequest(`${proxy.url}/path?x=1`, { headers: { host: '127.0.0.1.ccnproxy' } });
    assert.equal(res.headers['x-origin'], 'named');
    assert.equal((JSON.parse(res.body) as { url: string }).url, '/path?x=1');
    const refused = await httpRequest(proxy.url, { headers: { host: 'internal.corp.ccnproxy' } });
    assert.equal(refused.status, 403);
    assert.equal((await httpRequest(proxy.url, { headers: { host: 'plain.example' } })).status, 404, 'other hosts pass to the next route');
  });

  it('maintenance: 503 with Retry-After inside the window, the next route outside it', async () => {
    const now = Date.parse('2030-05-01T10:00:00Z');
    const inside = { start: '2030-05-01T09:30:00Z', end: '2030-05-01T10:10:00Z', allowPaths: ['/healthz'] };
    const decisions = await testRouter(example('maintenance.ts'), [{ path: '/' }, { path: '/healthz' }], { options: inside, clock: { now: () => now } });
    assert.deepEqual(decisions[0], { kind: 'respond', status: 503, headers: { 'retry-after': '600', 'cache-control': 'no-store' }, body: 'Down for maintenance, back soon.\n' });
    assert.deepEqual(decisions[1], { kind: 'next' });

    const origin = await startHttpOrigin('site', closers);
    const start = new Date(Date.now() - 60_000).toISOString();
    const end = new Date(Date.now() + 120_000).toISOString();
    const proxy = await startProxy(
      {
        routes: [
          { name: 'maintenance', priority: 1, script: { path: example('maintenance.ts'), options: { start, end, allowPaths: ['/healthz'] } } },
          { name: 'site', priority: 2, forward: { upstream: 'site' } },
        ],
        upstreams: [upstream('site', [origin.address])],
      },
      closers,
    );
    const res = await httpRequest(`${proxy.url}/shop`);
    assert.equal(res.status, 503);
    const retryAfter = Number(res.headers['retry-after']);
    assert.ok(retryAfter > 100 && retryAfter <= 120, `Retry-After ${retryAfter}`);
    assert.equal((await httpRequest(`${proxy.url}/healthz`)).headers['x-origin'], 'site');
  });

  it('failover: follows target.health-changed', async () => {
    const router = await createTestRouter(example('failover.ts'), { options: { primary: 'main', backup: 'spare' } });
    assert.deepEqual(router.decide(), { kind: 'forward', upstream: 'main' });
    router.emit('target.health-changed', TargetHealthChanged.make({ upstream: 'main', target: 'm:1', from: 'healthy', to: 'unhealthy', reason: 'r', source: 'active', at: 0 }));
    assert.deepEqual(router.decide(), { kind: 'forward', upstream: 'spare' });
    assert.equal(router.metrics['primary.down'], 1);
  });
});
