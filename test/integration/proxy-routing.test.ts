// Route matching end to end: every match kind, listener scoping, priorities, and the local actions.
import assert from 'node:assert/strict';
import { Closers } from '../helpers/closers.js';
import { startHttpOrigin, type Echo } from '../helpers/http-origin.js';
import { httpRequest, type HttpResult } from '../helpers/http-request.js';
import { startProxy, upstream, type RouteInput } from '../helpers/start-proxy.js';

/** A route that answers its own name: which route matched is then the body. */
function named(name: string, match: RouteInput['match'], extra: Partial<RouteInput> = {}): RouteInput {
  return { name, match, respond: { status: 200, body: name }, ...extra };
}

describe('proxy routing (integration)', () => {
  const closers = new Closers();
  afterEach(() => closers.closeAll());

  describe('match kinds', () => {
    let url: string;
    beforeEach(async () => {
      const proxy = await startProxy(
        {
          routes: [
            named('host-exact', { host: 'exact.example.com' }),
            named('host-wild', { host: '*.example.com' }),
            named('path-exact', { path: '/exact' }),
            named('path-star', { path: '/star/*/items' }),
            named('path-dstar', { path: '/dstar/**' }),
            named('prefix', { pathPrefix: '/prefix' }),
            named('regex', { pathRegex: '^/re/[0-9]+$' }),
            named('method', { method: ['DELETE', 'PATCH'], path: '/m' }),
            named('header-exact', { headers: { 'X-Env': 'canary' } }),
            named('header-regex', { headers: { 'x-ver': { regex: '^v[12]$' } } }),
            named('header-present', { headers: { 'x-flag': { present: true } } }),
            named('header-absent', { path: '/absent', headers: { 'x-flag': { present: false } } }),
            named('query', { query: { debug: '1' } }),
            named('cidr-out', { path: '/cidr', sourceCidr: '10.0.0.0/8' }),
            named('cidr-in', { path: '/cidr', sourceCidr: '127.0.0.0/8' }),
            named('and', { path: '/and', method: 'POST', headers: { 'x-a': '1' } }),
          ],
        },
        closers,
      );
      url = proxy.url;
    });

    async function routeOf(path: string, options: { method?: string; headers?: Record<string, string> } = {}): Promise<string> {
      const res = await httpRequest(`${url}${path}`, options);
      return res.status === 200 ? res.body : `status ${res.status}`;
    }

    const cases: [string, string, { method?: string; headers?: Record<string, string> }, string][] = [
      ['host exact', '/', { headers: { host: 'exact.example.com' } }, 'host-exact'],
      ['host exact ignores the port and case', '/', { headers: { host: 'EXACT.example.com:8080' } }, 'host-exact'],
      ['host wildcard, one label', '/', { headers: { host: 'a.example.com' } }, 'host-wild'],
      ['host wildcard, two labels', '/', { headers: { host: 'a.b.example.com' } }, 'host-wild'],
      ['host wildcard never matches the apex', '/', { headers: { host: 'example.com' } }, 'status 404'],
      ['path exact', '/exact', {}, 'path-exact'],
      ['path exact is not a prefix', '/exact/more', {}, 'status 404'],
      ['path * within one segment', '/star/v1/items', {}, 'path-star'],
      ['path * never crosses a segment', '/star/v1/v2/items', {}, 'status 404'],
      ['path ** matches the base', '/dstar', {}, 'path-dstar'],
      ['path ** matches deep paths', '/dstar/a/b/c', {}, 'path-dstar'],
      ['pathPrefix', '/prefix/x', {}, 'prefix'],
      ['pathPrefix is a plain string prefix', '/prefixes', {}, 'prefix'],
      ['pathRegex', '/re/42', {}, 'regex'],
      ['pathRegex anchored', '/re/42x', {}, 'status 404'],
      ['method in list', '/m', { method: 'PATCH' }, 'method'],
      ['method not in list', '/m', { method: 'GET' }, 'status 404'],
      ['header exact (name case-insensitive)', '/', { headers: { 'x-env': 'canary' } }, 'header-exact'],
      ['header exact value is case-sensitive', '/', { headers: { 'x-env': 'Canary' } }, 'status 404'],
      ['header regex', '/', { headers: { 'x-ver': 'v2' } }, 'header-regex'],
      ['header regex mismatch', '/', { headers: { 'x-ver': 'v3' } }, 'status 404'],
      ['header present', '/anything', { headers: { 'x-flag': '' } }, 'header-present'],
      ['header absent', '/absent', {}, 'header-absent'],
      ['query', '/q?a=2&debug=1', {}, 'query'],
      ['query mismatch', '/q?debug=2', {}, 'status 404'],
      ['sourceCidr 127.0.0.0/8 matches, 10.0.0.0/8 does not', '/cidr', {}, 'cidr-in'],
      ['conditions are ANDed', '/and', { method: 'POST', headers: { 'x-a': '1' } }, 'and'],
      ['conditions are ANDed (one fails)', '/and', { method: 'POST', headers: { 'x-a': '2' } }, 'status 404'],
    ];
    for (const [title, path, options, expected] of cases) {
      it(`routes by ${title}`, async () => {
        assert.equal(await routeOf(path, options), expected);
      });
    }
  });

  it('answers 404 with the request id when no route matches', async () => {
    const proxy = await startProxy({ routes: [named('only', { path: '/only' })] }, closers);
    const res = await httpRequest(`${proxy.url}/other`);
    assert.equal(res.status, 404);
    assert.ok(typeof res.headers['x-request-id'] === 'string' && res.headers['x-request-id'].length > 0);
  });

  it('scopes routes to their listeners', async () => {
    const a = await startHttpOrigin('a', closers);
    const b = await startHttpOrigin('b', closers);
    const proxy = await startProxy(
      {
        listeners: [
          { name: 'public', address: '127.0.0.1:0' },
          { name: 'internal', address: '127.0.0.1:0' },
        ],
        routes: [
          { name: 'admin', listeners: ['internal'], match: { pathPrefix: '/admin' }, forward: { upstream: 'b' } },
          { name: 'all', forward: { upstream: 'a' } },
        ],
        upstreams: [upstream('a', [a.address]), upstream('b', [b.address])],
      },
      closers,
    );
    const viaPublic = await httpRequest(`http://127.0.0.1:${proxy.ports['public']}/admin/x`);
    const viaInternal = await httpRequest(`http://127.0.0.1:${proxy.ports['internal']}/admin/x`);
    assert.equal(viaPublic.headers['x-origin'], 'a');
    assert.equal(viaInternal.headers['x-origin'], 'b');
    assert.equal((JSON.parse(viaInternal.body) as Echo).url, '/admin/x');
  });

  it('matches lower priorities first and keeps file order on ties', async () => {
    const proxy = await startProxy(
      {
        routes: [
          named('late', { pathPrefix: '/' }, { priority: 500 }),
          named('tie-first', { pathPrefix: '/t' }, { priority: 100 }),
          named('tie-second', { pathPrefix: '/t' }, { priority: 100 }),
          named('early', { pathPrefix: '/t/early' }, { priority: 5 }),
        ],
      },
      closers,
    );
    assert.equal((await httpRequest(`${proxy.url}/t/early`)).body, 'early');
    assert.equal((await httpRequest(`${proxy.url}/t/x`)).body, 'tie-first');
    assert.equal((await httpRequest(`${proxy.url}/zzz`)).body, 'late');
  });

  it('answers a respond action with its status, headers and body', async () => {
    const proxy = await startProxy(
      { routes: [{ name: 'teapot', respond: { status: 418, headers: { 'X-Brew': 'tea', 'content-type': 'text/x-tea' }, body: 'short and stout' } }] },
      closers,
    );
    const res = await httpRequest(`${proxy.url}/`);
    assert.equal(res.status, 418);
    assert.equal(res.headers['x-brew'], 'tea');
    assert.equal(res.headers['content-type'], 'text/x-tea');
    assert.equal(res.headers['content-length'], String(Buffer.byteLength('short and stout')));
    assert.equal(res.body, 'short and stout');
    const head = await httpRequest(`${proxy.url}/`, { method: 'HEAD' });
    assert.equal(head.status, 418);
    assert.equal(head.body, '');
  });

  it('answers a redirect action with its status and the rendered Location', async () => {
    const proxy = await startProxy(
      {
        routes: [
          { name: 'to-https', match: { pathPrefix: '/old' }, redirect: { status: 301, location: 'https://${host}${path}${query}' } },
          { name: 'default-status', redirect: { location: 'http://${authority}/new${uri}' } },
        ],
      },
      closers,
    );
    const moved = await httpRequest(`${proxy.url}/old/page?x=1&y=2`, { headers: { host: 'www.example.com:8080' } });
    assert.equal(moved.status, 301);
    assert.equal(moved.headers.location, 'https://www.example.com/old/page?x=1&y=2');
    const found = await httpRequest(`${proxy.url}/a`, { headers: { host: 'site.test:81' } });
    assert.equal(found.status, 302);
    assert.equal(found.headers.location, 'http://site.test:81/new/a');
  });

  it('splits forward.upstreams by weight in smooth round-robin order (1:2)', async () => {
    const stable = await startHttpOrigin('stable', closers);
    const canary = await startHttpOrigin('canary', closers);
    const proxy = await startProxy(
      {
        routes: [
          {
            name: 'split',
            forward: {
              upstreams: [
                { upstream: 'stable', weight: 1 },
                { upstream: 'canary', weight: 2 },
              ],
            },
          },
        ],
        upstreams: [upstream('stable', [stable.address]), upstream('canary', [canary.address])],
      },
      closers,
    );
    const seen: string[] = [];
    for (let i = 0; i < 6; i++) {
      const res: HttpResult = await httpRequest(`${proxy.url}/`);
      seen.push(String(res.headers['x-origin']));
    }
    assert.deepEqual(seen, ['canary', 'stable', 'canary', 'canary', 'stable', 'canary']);
  });
});
