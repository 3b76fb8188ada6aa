// Scripted routes end to end: every decision kind of a TypeScript router, inline and in a worker, against real origins.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import http from 'node:http';
import { Closers } from '../helpers/closers.js';
import { startHttpOrigin, type Echo, type HttpOrigin } from '../helpers/http-origin.js';
import { httpRequest } from '../helpers/http-request.js';
import { scriptFiles } from '../helpers/script-files.js';
import { startProxy, upstream, type StartedProxy } from '../helpers/start-proxy.js';

const ROUTER = `
import { defineRouter } from '@switchyard/actors';

interface Options { b: string }

export default defineRouter<{ n: number }, Options>({
  init: () => ({ n: 0 }),
  decide(req, ctx) {
    ctx.state = { n: ctx.state.n + 1 };
    const p = req.path;
    if (p.startsWith('/up/')) {
      return {
        kind: 'forward',
        upstream: 'a',
        path: '/rewritten' + p.slice(3),
        setHeaders: {
          'x-client': req.clientAddress,
          'x-listener': req.listener,
          'x-q': req.query.q ?? '',
          'x-cookie': req.cookie('c') ?? '',
          'x-method': req.method,
          'x-count': String(ctx.state.n),
        },
        removeHeaders: ['x-secret'],
      };
    }
    if (p === '/target') return { kind: 'forward', target: ctx.options.b };
    if (p === '/split') return { kind: 'split', split: [{ upstream: 'a', weight: 1 }, { upstream: 'b', weight: 1 }] };
    if (p === '/redirect') return { kind: 'redirect', location: 'https://example.com/moved', status: 301 };
    if (p === '/respond') return { kind: 'respond', status: 418, headers: { 'x-teapot': 'yes' }, body: 'short and stout' };
    if (p.startsWith('/old/')) return { kind: 'rewrite', path: '/new/' + p.slice(5) };
    return { kind: 'next' };
  },
});
`;

function echoOf(body: string): Echo {
  return JSON.parse(body) as Echo;
}

for (const isolation of ['inline', 'worker'] as const) {
  describe(`scripted routes: every decision kind (${isolation})`, () => {
    const closers = new Closers();
    let a: HttpOrigin;
    let b: HttpOrigin;
    let proxy: StartedProxy;

    before(async () => {
      a = await startHttpOrigin('a', closers);
      b = await startHttpOrigin('b', closers);
      const file = scriptFiles(closers).write('router.ts', ROUTER);
      proxy = await startProxy(
        {
          routes: [
            { name: 'scripted', priority: 10, script: { path: file, isolation, budget: '500ms', options: { b: b.address } } },
            { name: 'new', priority: 20, match: { pathPrefix: '/new' }, forward: { upstream: 'b' } },
            { name: 'rest', priority: 30, match: { pathPrefix: '/rest' }, forward: { upstream: 'a' } },
          ],
          upstreams: [upstream('a', [a.address]), upstream('b', [b.address])],
        },
        closers,
      );
    });
    after(() => closers.closeAll());

    it('forwards to an upstream with the path and headers the router rewrote, from the request view', async () => {
      const res = await httpRequest(`${proxy.url}/up/x?q=1`, { headers: { cookie: 'c=v; d=w', 'x-secret': 'hidden', 'x-keep': 'kept' } });
      assert.equal(res.status, 200);
      assert.equal(res.headers['x-origin'], 'a');
      const echo = echoOf(res.body);
      assert.equal(echo.url, '/rewritten/x?q=1');
      assert.equal(echo.headers['x-client'], '127.0.0.1');
      assert.equal(echo.headers['x-listener'], 'web');
      assert.equal(echo.headers['x-q'], '1');
      assert.equal(echo.headers['x-cookie'], 'v');
      assert.equal(echo.headers['x-method'], 'GET');
      assert.equal(echo.headers['x-keep'], 'kept');
      assert.equal(echo.headers['x-secret'], undefined);
    });

    it('forwards a request body intact through a scripted decision', async () => {
      const body = Buffer.alloc(200_000, 'z');
      const res = await httpRequest(`${proxy.url}/up/upload`, { method: 'POST', body, headers: { 'content-type': 'application/octet-stream' } });
      const echo = echoOf(res.body);
      assert.equal(echo.method, 'POST');
      assert.equal(echo.bodyBytes, body.length);
      assert.equal(echo.bodySha256, createHash('sha256').update(body).digest('hex'));
    });

    it('forwards to a target named by address', async () => {
      const res = await httpRequest(`${proxy.url}/target`);
      assert.equal(res.headers['x-origin'], 'b');
      assert.equal(echoOf(res.body).headers.host, b.address);
    });

    it('splits by weight', async () => {
      const seen: string[] = [];
      for (let i = 0; i < 4; i++) seen.push(String((await httpRequest(`${proxy.url}/split`)).headers['x-origin']));
      assert.deepEqual([...seen].sort(), ['a', 'a', 'b', 'b']);
      assert.notEqual(seen[0], seen[1], 'smooth: interleaved, not in bursts');
    });

    it('redirects', async () => {
      const res = await httpRequest(`${proxy.url}/redirect`);
      assert.equal(res.status, 301);
      assert.equal(res.headers.location, 'https://example.com/moved');
    });

    it('responds itself', async () => {
      const res = await httpRequest(`${proxy.url}/respond`);
      assert.equal(res.status, 418);
      assert.equal(res.headers['x-teapot'], 'yes');
      assert.equal(res.body, 'short and stout');
      assert.ok(res.headers['x-request-id'] !== undefined, 'the proxy adds its own fields');
    });

    it('rewrites the path and hands the request to the next route that matches it', async () => {
      const res = await httpRequest(`${proxy.url}/old/thing`);
      assert.equal(res.headers['x-origin'], 'b');
      assert.equal(echoOf(res.body).url, '/new/thing');
    });

    it('passes to the next route, and answers 404 when none is left', async () => {
      assert.equal((await httpRequest(`${proxy.url}/rest/1`)).headers['x-origin'], 'a');
      assert.equal((await httpRequest(`${proxy.url}/nothing`)).status, 404);
    });

    it('keeps a keep-alive connection in order across scripted requests', async () => {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      closers.add(() => agent.destroy());
      const paths = ['/respond', '/up/1', '/redirect', '/target', '/up/2', '/nothing', '/respond'];
      const statuses: number[] = [];
      for (const p of paths) {
        statuses.push(
          await new Promise<number>((resolve, reject) => {
            http.get({ host: '127.0.0.1', port: proxy.port, path: p, agent }, (res) => {
              res.resume();
              res.on('end', () => resolve(res.statusCode ?? 0));
            }).on('error', reject);
          }),
        );
      }
      assert.deepEqual(statuses, [418, 200, 301, 200, 200, 404, 418]);
    });
  });
}
