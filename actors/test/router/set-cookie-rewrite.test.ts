import assert from 'node:assert/strict';
import { rewriteSetCookie, SetCookieRewriter } from '../../src/router/set-cookie-rewrite.js';
import { tableWith } from './router-fixtures.js';

describe('rewriteSetCookie', () => {
  const cases: [value: string, opts: { domain?: string; path?: string }, expected: string][] = [
    ['sid=1; Domain=backend.internal; Path=/v2; HttpOnly', { domain: 'example.com', path: '/' }, 'sid=1; Domain=example.com; Path=/; HttpOnly'],
    ['sid=1; domain=backend.internal; path=/v2', { domain: '.example.com' }, 'sid=1; domain=.example.com; path=/v2'],
    ['sid=1; Path=/v2; Domain=backend.internal; Secure', { domain: '' }, 'sid=1; Path=/v2; Secure'],
    ['sid=1; Domain=backend.internal', { domain: '' }, 'sid=1'],
    ['sid=1;Domain=a;Domain=b;Path=/x', { domain: '' }, 'sid=1;Path=/x'],
    ['sid=1; Path = /v2 ; SameSite=Lax', { path: '/api' }, 'sid=1; Path =/api; SameSite=Lax'],
    ['sid=1; Expires=Wed, 21 Oct 2015 07:28:00 GMT; Path=/', { path: '/app' }, 'sid=1; Expires=Wed, 21 Oct 2015 07:28:00 GMT; Path=/app'],
    ['sid=1; HttpOnly', { domain: 'example.com', path: '/' }, 'sid=1; HttpOnly'],
    ['path=1; Max-Age=60', { path: '/x' }, 'path=1; Max-Age=60'],
    ['sid=domain; Path=/', { domain: 'x' }, 'sid=domain; Path=/'],
    ['sid=1; Pathology=x; Domains=y', { domain: 'd', path: '/' }, 'sid=1; Pathology=x; Domains=y'],
    ['sid=1; Path', { path: '/x' }, 'sid=1; Path=/x'],
    ['sid=1; Domain=a', {}, 'sid=1; Domain=a'],
  ];
  for (const [value, opts, expected] of cases) {
    it(`${value} with ${JSON.stringify(opts)} → ${expected}`, () => assert.equal(rewriteSetCookie(value, opts), expected));
  }

  it('returns the same string when nothing changes', () => {
    const value = 'sid=1; Secure';
    assert.equal(rewriteSetCookie(value, { domain: 'x', path: '/' }), value);
  });

  it('is compiled per route from rewriteCookie', () => {
    const table = tableWith([
      { name: 'r', rewriteCookie: { domain: '', path: '/app' }, forward: { upstream: 'app' } },
      { name: 'none', forward: { upstream: 'app' } },
      { name: 'empty', rewriteCookie: {}, forward: { upstream: 'app' } },
    ]);
    const rw = table.route('r')?.rewriteCookie;
    assert.ok(rw instanceof SetCookieRewriter);
    assert.equal(rw.rewrite('s=1; Domain=b.internal; Path=/v2'), 's=1; Path=/app');
    assert.equal(table.route('none')?.rewriteCookie, undefined);
    assert.equal(table.route('empty')?.rewriteCookie, undefined);
  });
});
