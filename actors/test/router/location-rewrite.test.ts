import assert from 'node:assert/strict';
import { clientOriginOf, LocationRewriter, rewriteLocation, rewriteRefresh, type LocationRewriteContext } from '../../src/router/location-rewrite.js';
import { tableWith } from './router-fixtures.js';

const BASE: LocationRewriteContext = {
  upstreamOrigins: ['http://127.0.0.1:8081', 'http://backend.internal'],
  clientOrigin: 'https://www.example.com',
};
const PREFIXED: LocationRewriteContext = { ...BASE, stripPrefix: '/api', replacePrefix: '/v2' };
const STRIP_ONLY: LocationRewriteContext = { ...BASE, stripPrefix: '/api' };

describe('rewriteLocation', () => {
  const cases: [what: string, ctx: LocationRewriteContext, value: string, expected: string][] = [
    ['absolute to the target address', BASE, 'http://127.0.0.1:8081/login?next=/x#top', 'https://www.example.com/login?next=/x#top'],
    ['absolute to the Host sent upstream', BASE, 'http://backend.internal/a', 'https://www.example.com/a'],
    ['scheme and host compared ignoring case', BASE, 'HTTP://Backend.INTERNAL/a', 'https://www.example.com/a'],
    ['explicit default port equals no port', BASE, 'http://backend.internal:80/a', 'https://www.example.com/a'],
    ['empty port means the default port', BASE, 'http://backend.internal:/a', 'https://www.example.com/a'],
    ['origin without a path', BASE, 'http://backend.internal', 'https://www.example.com'],
    ['origin with only a query', BASE, 'http://backend.internal?x=1', 'https://www.example.com?x=1'],
    ['other port untouched', BASE, 'http://backend.internal:8080/a', 'http://backend.internal:8080/a'],
    ['other scheme untouched', BASE, 'https://backend.internal/a', 'https://backend.internal/a'],
    ['other host untouched', BASE, 'http://accounts.google.com/o/oauth2', 'http://accounts.google.com/o/oauth2'],
    ['host that only starts like an upstream untouched', BASE, 'http://backend.internal.evil/a', 'http://backend.internal.evil/a'],
    ['userinfo untouched', BASE, 'http://user@backend.internal/a', 'http://user@backend.internal/a'],
    ['relative path without mapping untouched', BASE, '/login', '/login'],
    ['relative reference untouched', PREFIXED, 'login?x=1', 'login?x=1'],
    ['network-path reference untouched', PREFIXED, '//backend.internal/v2/x', '//backend.internal/v2/x'],
    ['absolute with prefix mapping', PREFIXED, 'http://127.0.0.1:8081/v2/users/1?x=1', 'https://www.example.com/api/users/1?x=1'],
    ['absolute outside replacePrefix keeps its path', PREFIXED, 'http://127.0.0.1:8081/health', 'https://www.example.com/health'],
    ['relative path with prefix mapping', PREFIXED, '/v2/login?next=%2F', '/api/login?next=%2F'],
    ['relative path outside replacePrefix', PREFIXED, '/v2x/login', '/v2x/login'],
    ['strip only: prefix put back', STRIP_ONLY, '/login', '/api/login'],
    ['strip only: absolute', STRIP_ONLY, 'http://backend.internal/', 'https://www.example.com/api/'],
    ['strip only: absolute without path', STRIP_ONLY, 'http://backend.internal', 'https://www.example.com/api/'],
    ['non-http URL untouched', BASE, 'mailto:a@b.c', 'mailto:a@b.c'],
    ['empty value untouched', BASE, '', ''],
  ];
  for (const [what, ctx, value, expected] of cases) {
    it(`${what}: ${value || '""'} → ${expected || '""'}`, () => assert.equal(rewriteLocation(value, ctx), expected));
  }

  it('normalizes https default port 443 on both sides', () => {
    const ctx = { upstreamOrigins: ['https://backend.internal:443'], clientOrigin: 'http://localhost:8080' };
    assert.equal(rewriteLocation('https://backend.internal/x', ctx), 'http://localhost:8080/x');
    assert.equal(rewriteLocation('https://BACKEND.internal:443/x', ctx), 'http://localhost:8080/x');
  });

  it('matches IPv6 literal origins', () => {
    const ctx = { upstreamOrigins: ['http://[::1]:8081'], clientOrigin: 'https://a.test' };
    assert.equal(rewriteLocation('http://[::1]:8081/x', ctx), 'https://a.test/x');
    assert.equal(rewriteLocation('http://[::2]:8081/x', ctx), 'http://[::2]:8081/x');
  });

  it('returns the same string when nothing changes', () => {
    const value = 'http://elsewhere.test/a';
    assert.equal(rewriteLocation(value, BASE), value);
  });
});

describe('rewriteRefresh', () => {
  const cases: [value: string, expected: string][] = [
    ['5; url=http://backend.internal/v2/x', '5; url=https://www.example.com/api/x'],
    ['0;URL=http://127.0.0.1:8081/v2/', '0;URL=https://www.example.com/api/'],
    ['3; Url = /v2/y', '3; Url = /api/y'],
    ["1; url='http://backend.internal/v2/q?a=1'", "1; url='https://www.example.com/api/q?a=1'"],
    ['2, url="/v2/z" ', '2, url="/api/z" '],
    ['5; url=http://other.test/v2/x', '5; url=http://other.test/v2/x'],
    ['5', '5'],
  ];
  for (const [value, expected] of cases) {
    it(`${value} → ${expected}`, () => assert.equal(rewriteRefresh(value, PREFIXED), expected));
  }
});

describe('LocationRewriter on a compiled route', () => {
  it('is built from the route prefixes and rewrites by header name', () => {
    const table = tableWith([
      { name: 'api', stripPrefix: '/api', replacePrefix: '/v2', forward: { upstream: 'backend' } },
      { name: 'off', rewriteLocation: false, forward: { upstream: 'backend' } },
    ]);
    const rw = table.route('api')?.rewriteLocation;
    assert.ok(rw instanceof LocationRewriter);
    const origins = ['http://127.0.0.1:8081'];
    assert.equal(rw.header('location', 'http://127.0.0.1:8081/v2/a', origins, 'https://w.test'), 'https://w.test/api/a');
    assert.equal(rw.header('content-location', '/v2/b', origins, 'https://w.test'), '/api/b');
    assert.equal(rw.header('refresh', '1; url=/v2/c', origins, 'https://w.test'), '1; url=/api/c');
    assert.equal(rw.header('link', '</v2/d>', origins, 'https://w.test'), '</v2/d>');
    assert.equal(table.route('off')?.rewriteLocation, undefined);
  });
});

describe('clientOriginOf', () => {
  const cases: [scheme: 'http' | 'https', host: string, port: number | undefined, expected: string][] = [
    ['https', 'www.example.com', undefined, 'https://www.example.com'],
    ['https', 'www.example.com', 443, 'https://www.example.com'],
    ['http', 'a.test', 8080, 'http://a.test:8080'],
    ['http', 'a.test', 443, 'http://a.test:443'],
    ['http', '::1', 8080, 'http://[::1]:8080'],
    ['http', '[::1]', undefined, 'http://[::1]'],
  ];
  for (const [scheme, host, port, expected] of cases) {
    it(`builds ${expected}`, () => assert.equal(clientOriginOf(scheme, host, port), expected));
  }
});
