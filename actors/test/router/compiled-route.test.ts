import assert from 'node:assert/strict';
import { tableWith } from './router-fixtures.js';

describe('compiled route fields', () => {
  const table = tableWith([
    {
      name: 'api',
      priority: 5,
      listeners: ['web'],
      preserveHost: true,
      maxBodySize: '1mb',
      timeout: '30s',
      allowAmbiguousPath: true,
      forward: { upstream: 'app' },
    },
    {
      name: 'teapot',
      respond: { status: 418, headers: { 'X-Why': 'because', 'Cache-Control': 'no-store' }, body: 'I am a teapot ☕' },
    },
    { name: 'typed', respond: { status: 200, headers: { 'content-type': 'application/json' }, body: '{}' } },
    { name: 'empty', respond: { status: 204 } },
    { name: 'scripted', script: { path: './route.js', options: { a: 1 } } },
  ]);

  it('carries the route options', () => {
    const r = table.route('api');
    assert.ok(r);
    assert.equal(r.kind, 'forward');
    assert.equal(r.priority, 5);
    assert.deepEqual(r.listeners, ['web']);
    assert.equal(r.preserveHost, true);
    assert.equal(r.maxBodySize, 1024 * 1024);
    assert.equal(r.timeoutMs, 30_000);
    assert.equal(r.allowAmbiguousPath, true);
    assert.ok(r.rewriteLocation);
    assert.equal(r.rewriteCookie, undefined);
    assert.deepEqual(r.forward?.upstreams, [{ name: 'app', weight: 1 }]);
    assert.equal(r.forward?.pick(), 'app');
  });

  it('leaves unset limits undefined and defaults the flags', () => {
    const r = table.route('teapot');
    assert.ok(r);
    assert.equal(r.maxBodySize, undefined);
    assert.equal(r.timeoutMs, undefined);
    assert.equal(r.preserveHost, false);
    assert.equal(r.allowAmbiguousPath, false);
    assert.equal(r.listeners, undefined);
  });

  it('prebuilds a respond body and headers once', () => {
    const r = table.route('teapot');
    assert.equal(r?.kind, 'respond');
    if (r?.kind !== 'respond') return;
    assert.equal(r.respond.status, 418);
    assert.deepEqual(r.respond.headers, ['x-why', 'because', 'cache-control', 'no-store', 'content-type', 'text/plain; charset=utf-8']);
    assert.ok(Buffer.isBuffer(r.respond.body));
    assert.equal(r.respond.body.toString('utf8'), 'I am a teapot ☕');
    assert.equal(table.route('teapot')?.respond, r.respond);
    assert.deepEqual(table.route('typed')?.respond?.headers, ['content-type', 'application/json']);
    assert.equal(table.route('empty')?.respond?.body.length, 0);
    assert.deepEqual(table.route('empty')?.respond?.headers, []);
  });

  it('refuses a respond header value that would split the head, and framing headers', () => {
    assert.throws(() => tableWith([{ name: 'bad', respond: { headers: { 'x-a': 'a\r\nSet-Cookie: x=1' } } }]), /control character/);
    assert.throws(() => tableWith([{ name: 'bad', respond: { headers: { 'content-length': '5' }, body: 'hello' } }]), /content-length/);
  });

  it('keeps a script action as configured', () => {
    const r = table.route('scripted');
    assert.equal(r?.kind, 'script');
    assert.deepEqual(r?.script, { path: './route.js', options: { a: 1 }, isolation: 'inline', budget: 50, watch: true });
  });

  it('gives every compiled route the same fields in the same order', () => {
    const shapes = new Set(table.routes.map((r) => Object.keys(r).join(',')));
    assert.equal(shapes.size, 1);
    for (const r of table.routes) assert.ok(Object.isFrozen(r));
  });
});
