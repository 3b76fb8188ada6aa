import assert from 'node:assert/strict';
import type { ConfigInput } from '@switchyard/config';
import { regexLiteralPrefix } from '../../src/router/path-matcher.js';
import { MatchCache, type RequestFacts } from '../../src/router/request-facts.js';
import { facts, tableWith, target, routeName } from './router-fixtures.js';

type MatchInput = NonNullable<NonNullable<ConfigInput['routes']>[number]['match']>;

interface Case {
  name: string;
  match: MatchInput;
  hits: Partial<RequestFacts>[];
  misses: Partial<RequestFacts>[];
}

/** Each case: a route `r` with the match block, then a catch-all `fallback`. */
const CASES: Case[] = [
  {
    name: 'host exact (case-insensitive pattern)',
    match: { host: 'API.example.com' },
    hits: [{ host: 'api.example.com' }],
    misses: [{ host: 'www.example.com' }, { host: 'api.example.com.evil' }, { host: 'xapi.example.com' }, { host: '' }],
  },
  {
    name: 'host wildcard: one or more labels, never the apex',
    match: { host: '*.example.com' },
    hits: [{ host: 'a.example.com' }, { host: 'a.b.example.com' }],
    misses: [{ host: 'example.com' }, { host: 'aexample.com' }, { host: 'a.example.org' }],
  },
  {
    name: 'host list = any',
    match: { host: ['a.test', '*.b.test'] },
    hits: [{ host: 'a.test' }, { host: 'x.b.test' }],
    misses: [{ host: 'b.test' }, { host: 'x.a.test' }],
  },
  {
    name: 'path exact',
    match: { path: '/health' },
    hits: [{ path: '/health' }],
    misses: [{ path: '/health/' }, { path: '/healthz' }, { path: '/Health' }, { path: '/' }],
  },
  {
    name: 'path glob with * inside a segment (may be empty, never crosses /)',
    match: { path: '/api/*/items' },
    hits: [{ path: '/api/v1/items' }, { path: '/api//items' }],
    misses: [{ path: '/api/v1/x/items' }, { path: '/api/items' }, { path: '/api/v1/items/' }],
  },
  {
    name: 'path glob with * as part of a segment',
    match: { path: '/files/*.png' },
    hits: [{ path: '/files/a.png' }, { path: '/files/.png' }],
    misses: [{ path: '/files/a/b.png' }, { path: '/files/a.pngx' }, { path: '/files/aXpng' }],
  },
  {
    name: 'path ** in the middle matches zero or more segments',
    match: { path: '/a/**/b' },
    hits: [{ path: '/a/b' }, { path: '/a/x/b' }, { path: '/a/x/y/b' }],
    misses: [{ path: '/a/xb' }, { path: '/a/b/c' }, { path: '/ab' }],
  },
  {
    name: 'path with a leading ** and a * segment',
    match: { path: ['/**/*.css', '/a/**/*.png'] },
    hits: [{ path: '/a.css' }, { path: '/x/y/a.css' }, { path: '/a/b.png' }, { path: '/a/x/y/b.png' }],
    misses: [{ path: '/a.cssx' }, { path: '/b/x.png' }, { path: '/ab.png' }],
  },
  {
    name: 'path /** matches everything',
    match: { path: '/**' },
    hits: [{ path: '/' }, { path: '/x/y' }],
    misses: [],
  },
  {
    name: 'path glob with regex metacharacters stays literal',
    match: { path: ['/v1.0/*', '/(x)/**'] },
    hits: [{ path: '/v1.0/a' }, { path: '/(x)/y' }],
    misses: [{ path: '/v1x0/a' }, { path: '/x/y' }],
  },
  {
    name: 'path pattern %XX normalized like request paths',
    match: { path: '/caf%c3%a9/%7euser' },
    hits: [{ path: '/caf%C3%A9/~user' }],
    misses: [{ path: '/caf%c3%a9/%7euser' }],
  },
  {
    name: 'pathPrefix is a plain string prefix',
    match: { pathPrefix: ['/api', '/static/'] },
    hits: [{ path: '/api' }, { path: '/api/x' }, { path: '/apix' }, { path: '/static/a.css' }],
    misses: [{ path: '/static' }, { path: '/ap' }, { path: '/' }],
  },
  {
    name: 'pathRegex is RegExp.test on the path (unanchored)',
    match: { pathRegex: '^/users/[0-9]+$' },
    hits: [{ path: '/users/42' }],
    misses: [{ path: '/users/abc' }, { path: '/users/42/x' }],
  },
  {
    name: 'pathRegex never sees the query',
    match: { pathRegex: 'debug' },
    hits: [{ path: '/debug' }],
    misses: [{ path: '/x', rawQuery: 'debug=1' }],
  },
  {
    name: 'method set; request method compared as received (case-sensitive)',
    match: { method: ['get', 'HEAD'] },
    hits: [{ method: 'GET' }, { method: 'HEAD' }],
    misses: [{ method: 'get' }, { method: 'POST' }, { method: 'Get' }],
  },
  {
    name: 'header exact: any value, any occurrence, name case-insensitive',
    match: { headers: { 'X-Env': ['blue', 'green'] } },
    hits: [
      { headers: ['x-env', 'blue'] },
      { headers: ['X-ENV', 'green'] },
      { headers: ['X-Env', 'red', 'x-env', 'green'] },
    ],
    misses: [{ headers: [] }, { headers: ['X-Env', 'Blue'] }, { headers: ['X-Envy', 'blue'] }, { headers: ['X-Env', 'blue, green'] }],
  },
  {
    name: 'header name fold is letters-only (^ is not ~)',
    match: { headers: { 'x~a': 'v' } },
    hits: [{ headers: ['X~A', 'v'] }],
    misses: [{ headers: ['x^a', 'v'] }],
  },
  {
    name: 'header regex',
    match: { headers: { 'user-agent': { regex: '^curl/' } } },
    hits: [{ headers: ['User-Agent', 'curl/8.5'] }, { headers: ['User-Agent', 'x', 'User-Agent', 'curl/7'] }],
    misses: [{ headers: ['User-Agent', 'Mozilla curl/8'] }, { headers: [] }],
  },
  {
    name: 'header present true / false, ANDed across names',
    match: { headers: { authorization: { present: true }, 'x-debug': { present: false } } },
    hits: [{ headers: ['Authorization', ''] }, { headers: ['authorization', 'Bearer x', 'X-Other', '1'] }],
    misses: [{ headers: [] }, { headers: ['Authorization', 'x', 'X-Debug', '0'] }],
  },
  {
    name: 'query exact, decoded like URLSearchParams',
    match: { query: { q: 'a b', lang: ['en', 'fr'] } },
    hits: [{ rawQuery: 'q=a+b&lang=en' }, { rawQuery: 'lang=fr&q=a%20b' }, { rawQuery: 'q=x&q=a+b&lang=en' }],
    misses: [{ rawQuery: 'q=a+b' }, { rawQuery: 'q=a%2Bb&lang=en' }, { rawQuery: 'Q=a+b&lang=en' }, { rawQuery: '' }],
  },
  {
    name: 'query regex and present',
    match: { query: { id: { regex: '^[0-9]+$' }, debug: { present: true }, trace: { present: false } } },
    hits: [{ rawQuery: 'id=12&debug' }, { rawQuery: 'debug=&id=7' }],
    misses: [{ rawQuery: 'id=12' }, { rawQuery: 'id=x&debug' }, { rawQuery: 'id=1&debug&trace=0' }],
  },
  {
    name: 'query present false holds without a query',
    match: { query: { preview: { present: false } } },
    hits: [{ rawQuery: '' }, { rawQuery: 'a=1' }],
    misses: [{ rawQuery: 'preview' }],
  },
  {
    name: 'sourceCidr IPv4, incl. IPv4-mapped IPv6 sources',
    match: { sourceCidr: ['10.0.0.0/8', '192.168.1.7'] },
    hits: [{ sourceIp: '10.1.2.3' }, { sourceIp: '::ffff:10.200.0.1' }, { sourceIp: '192.168.1.7' }, { sourceIp: '::FFFF:c0a8:107' }],
    misses: [{ sourceIp: '11.0.0.1' }, { sourceIp: '192.168.1.8' }, { sourceIp: '::a00:1' }, { sourceIp: 'fd00::1' }, { sourceIp: 'nonsense' }],
  },
  {
    name: 'sourceCidr IPv6',
    match: { sourceCidr: ['fd00::/8', '2001:db8:0:1::/64', '::1', 'fe80::/10'] },
    hits: [{ sourceIp: 'fd12:3456::1' }, { sourceIp: '2001:DB8:0:1:ffff::9' }, { sourceIp: '::1' }, { sourceIp: '[::1]' }, { sourceIp: 'fe80::1%eth0' }],
    misses: [{ sourceIp: 'fe00::1' }, { sourceIp: '2001:db8:0:2::1' }, { sourceIp: '::2' }, { sourceIp: '10.0.0.1' }],
  },
  {
    name: 'sourceCidr /0 per family, and an IPv4-mapped CIDR',
    match: { sourceCidr: ['0.0.0.0/0', '::ffff:172.16.0.0/108'] },
    hits: [{ sourceIp: '1.2.3.4' }, { sourceIp: '::ffff:8.8.8.8' }],
    misses: [{ sourceIp: '2001:db8::1' }],
  },
  {
    name: 'keys are ANDed',
    match: { host: 'api.test', pathPrefix: '/v1/', method: 'POST' },
    hits: [{ host: 'api.test', path: '/v1/x', method: 'POST' }],
    misses: [
      { host: 'api.test', path: '/v1/x', method: 'GET' },
      { host: 'api.test', path: '/v2/x', method: 'POST' },
      { host: 'www.test', path: '/v1/x', method: 'POST' },
    ],
  },
];

describe('route matching', () => {
  for (const c of CASES) {
    describe(c.name, () => {
      const table = tableWith([
        { name: 'r', match: c.match, forward: { upstream: 'app' } },
        { name: 'fallback', forward: { upstream: 'frontend' } },
      ]);
      for (const over of c.hits) {
        it(`matches ${JSON.stringify(over)}`, () => assert.equal(routeName(table, facts(over)), 'r'));
      }
      for (const over of c.misses) {
        it(`does not match ${JSON.stringify(over)}`, () => assert.equal(routeName(table, facts(over)), 'fallback'));
      }
    });
  }

  it('matches a route with an empty match block for every request', () => {
    const table = tableWith([{ name: 'all', forward: { upstream: 'app' } }]);
    assert.equal(routeName(table, facts({ method: 'DELETE', path: '/x/y', host: '' })), 'all');
  });

  it('returns undefined when no route matches', () => {
    const table = tableWith([{ name: 'r', match: { path: '/only' }, forward: { upstream: 'app' } }]);
    assert.equal(table.match(target('/other')), undefined);
  });
});

describe('route order', () => {
  it('orders by priority ascending, ties in file order', () => {
    const table = tableWith([
      { name: 'late', priority: 50, forward: { upstream: 'a' } },
      { name: 'tie-1', priority: 10, match: { pathPrefix: '/x' }, forward: { upstream: 'a' } },
      { name: 'tie-2', priority: 10, forward: { upstream: 'b' } },
      { name: 'default-prio', forward: { upstream: 'c' } },
      { name: 'first', priority: 0, match: { path: '/first' }, forward: { upstream: 'c' } },
    ]);
    assert.deepEqual(
      table.routes.map((r) => [r.name, r.priority]),
      [
        ['first', 0],
        ['tie-1', 10],
        ['tie-2', 10],
        ['late', 50],
        ['default-prio', 1000],
      ],
    );
    assert.equal(routeName(table, target('/first')), 'first');
    assert.equal(routeName(table, target('/x/1')), 'tie-1');
    assert.equal(routeName(table, target('/y')), 'tie-2');
  });

  it('takes the first match even when a later route is more specific', () => {
    const table = tableWith([
      { name: 'broad', priority: 1, match: { pathPrefix: '/' }, forward: { upstream: 'a' } },
      { name: 'specific', priority: 2, match: { path: '/exact' }, forward: { upstream: 'b' } },
    ]);
    assert.equal(routeName(table, target('/exact')), 'broad');
  });
});

describe('listener scoping', () => {
  const table = tableWith([
    { name: 'admin-only', priority: 1, listeners: ['internal'], match: { pathPrefix: '/admin' }, forward: { upstream: 'a' } },
    { name: 'both', priority: 2, listeners: ['web', 'internal'], match: { path: '/both' }, forward: { upstream: 'b' } },
    { name: 'web-default', priority: 100, listeners: ['web'], forward: { upstream: 'c' } },
    { name: 'global', priority: 200, forward: { upstream: 'app' } },
  ]);

  const cases: [listener: string, path: string, expected: string | undefined][] = [
    ['internal', '/admin/x', 'admin-only'],
    ['web', '/admin/x', 'web-default'],
    ['web', '/both', 'both'],
    ['internal', '/both', 'both'],
    ['internal', '/other', 'global'],
    ['web', '/other', 'web-default'],
    ['unknown-listener', '/admin/x', 'global'],
  ];
  for (const [listener, path, expected] of cases) {
    it(`routes ${path} on ${listener} to ${expected}`, () => {
      assert.equal(routeName(table, target(path, { listener })), expected);
    });
  }
});

describe('the ALB example', () => {
  const table = tableWith([
    { name: 'oauth', priority: 10, match: { path: ['/oauth2/authorization/**', '/login/oauth2/code/**'] }, forward: { upstream: 'backend' } },
    { name: 'default', priority: 1000, forward: { upstream: 'frontend' } },
  ]);
  const cases: [uri: string, route: string, upstream: string][] = [
    ['/oauth2/authorization/google', 'oauth', 'backend'],
    ['/oauth2/authorization', 'oauth', 'backend'],
    ['/oauth2/authorization/', 'oauth', 'backend'],
    ['/oauth2/authorization/a/b', 'oauth', 'backend'],
    ['/login/oauth2/code/google?code=x', 'oauth', 'backend'],
    ['/', 'default', 'frontend'],
    ['/oauth2', 'default', 'frontend'],
    ['/oauth2/authorizationX', 'default', 'frontend'],
    ['/login/oauth2/codeX', 'default', 'frontend'],
    ['/assets/app.js', 'default', 'frontend'],
  ];
  for (const [uri, route, upstream] of cases) {
    it(`sends ${uri} to ${route} (${upstream})`, () => {
      const r = table.match(target(uri));
      assert.equal(r?.name, route);
      assert.equal(r?.kind, 'forward');
      if (r?.kind === 'forward') assert.equal(r.forward.pick(), upstream);
    });
  }
});

describe('host index', () => {
  const table = tableWith([
    { name: 'a-exact', priority: 10, match: { host: 'a.test' }, forward: { upstream: 'a' } },
    { name: 'any-host-api', priority: 20, match: { pathPrefix: '/api' }, forward: { upstream: 'b' } },
    { name: 'wild-a', priority: 30, match: { host: '*.a.test' }, forward: { upstream: 'c' } },
    { name: 'b-or-wild', priority: 40, match: { host: ['b.test', '*.c.test'] }, forward: { upstream: 'a' } },
    { name: 'x-a-exact', priority: 45, listeners: ['internal'], match: { host: 'x.a.test' }, forward: { upstream: 'a' } },
    { name: 'fallback', priority: 50, forward: { upstream: 'frontend' } },
  ]);
  const hosts = ['a.test', 'x.a.test', 'b.test', 'y.c.test', 'c.test', 'other.test', ''];
  const paths = ['/', '/api/x'];

  for (const listener of ['web', 'internal', 'nope']) {
    for (const host of hosts) {
      for (const path of paths) {
        it(`agrees with a linear scan for ${listener} ${host || '(none)'} ${path}`, () => {
          const f = target(path, { listener, host });
          const known = listener === 'web' || listener === 'internal';
          const expected = table.routes.find(
            (r) => (r.listeners === undefined ? true : known && r.listeners.includes(listener)) && r.conditions.matches(f, new MatchCache()),
          );
          assert.equal(table.match(f)?.name, expected?.name);
        });
      }
    }
  }

  it('sends each host to the right route', () => {
    assert.equal(routeName(table, target('/', { host: 'a.test' })), 'a-exact');
    assert.equal(routeName(table, target('/api', { host: 'a.test' })), 'a-exact');
    assert.equal(routeName(table, target('/api', { host: 'x.a.test' })), 'any-host-api');
    assert.equal(routeName(table, target('/', { host: 'x.a.test', listener: 'internal' })), 'wild-a');
    assert.equal(routeName(table, target('/', { host: 'y.c.test' })), 'b-or-wild');
    assert.equal(routeName(table, target('/', { host: 'c.test' })), 'fallback');
  });
});

describe('regexLiteralPrefix (pre-check before RegExp.test)', () => {
  const cases: [source: string, prefix: string][] = [
    ['^/users/[0-9]+$', '/users/'],
    ['^\\/api\\/v1', '/api/v1'],
    ['^/a\\.b', '/a.b'],
    ['^/ab?', '/a'],
    ['^/ab*', '/a'],
    ['^/ab+', '/a'],
    ['^/ab{2}', '/a'],
    ['^/a\\d+', '/a'],
    ['^/a(b)', '/a'],
    ['^/a|^/b', ''],
    ['/users', ''],
    ['^[/]x', ''],
    ['^', ''],
  ];
  for (const [source, prefix] of cases) {
    it(`takes ${JSON.stringify(prefix)} from ${source}`, () => {
      assert.equal(regexLiteralPrefix(source), prefix);
      // The pre-check never refuses a path the regex accepts.
      for (const path of ['/users/1', '/api/v1/x', '/a.b', '/a', '/ab', '/abb', '/a1', '/b', '/x']) {
        if (new RegExp(source).test(path)) assert.ok(path.startsWith(prefix), `${path} matches ${source}`);
      }
    });
  }
});
