import assert from 'node:assert/strict';
import { RequestView, viewFromTestRequest } from '../../src/scripts/request-view.js';

describe('RequestView', () => {
  const view = new RequestView(
    'web',
    'GET',
    '/a/b',
    'x=1&y=two%20words&x=3',
    'example.com',
    8080,
    'https',
    ['Host', 'example.com:8080', 'X-Env', 'blue', 'Cookie', 'a=1; b="quoted"', 'x-env', 'green', 'cookie', 'a=2; c=3'],
    '10.0.0.9',
    '127.0.0.1',
    'example.com',
    'http/1.1',
    true,
    'req-1',
  );

  it('reads one header in any case without building a map', () => {
    assert.equal(view.header('x-env'), 'blue');
    assert.equal(view.header('X-ENV'), 'blue');
    assert.equal(view.header('missing'), undefined);
  });

  it('builds the header map on first read, joining repeated fields', () => {
    assert.equal(view.headers['x-env'], 'blue, green');
    assert.equal(view.headers.host, 'example.com:8080');
    assert.ok(Object.isFrozen(view.headers));
    assert.equal(view.headers, view.headers, 'built once');
  });

  it('reads cookies from every Cookie field, the first of a name winning, quotes removed', () => {
    assert.equal(view.cookie('a'), '1');
    assert.equal(view.cookie('b'), 'quoted');
    assert.equal(view.cookie('c'), '3');
    assert.equal(view.cookie('d'), undefined);
    assert.deepEqual({ ...view.cookies }, { a: '1', b: 'quoted', c: '3' });
  });

  it('decodes the query, first value per name', () => {
    assert.deepEqual({ ...view.query }, { x: '1', y: 'two words' });
  });

  it('shows TLS details only for TLS connections', () => {
    assert.deepEqual(view.tls, { sni: 'example.com', alpn: 'http/1.1' });
    const plain = viewFromTestRequest({});
    assert.equal(plain.tls, undefined);
  });

  it('round-trips through its plain form (what a worker receives)', () => {
    const copy = RequestView.fromPlain(structuredClone(view.toPlain()));
    assert.equal(copy.header('x-env'), 'blue');
    assert.equal(copy.cookie('b'), 'quoted');
    assert.deepEqual(copy.tls, view.tls);
    assert.equal(copy.clientAddress, '10.0.0.9');
    assert.equal(copy.requestId, 'req-1');
  });

  it('builds test requests with defaults and a query from the path', () => {
    const v = viewFromTestRequest({ path: '/p?q=1', headers: { 'X-A': ['1', '2'] }, cookies: { s: 'v' }, clientAddress: '192.0.2.1' });
    assert.equal(v.method, 'GET');
    assert.equal(v.path, '/p');
    assert.equal(v.rawQuery, 'q=1');
    assert.equal(v.host, 'localhost');
    assert.equal(v.headers['x-a'], '1, 2');
    assert.equal(v.cookie('s'), 'v');
    assert.equal(v.clientAddress, '192.0.2.1');
    assert.equal(v.peerAddress, '192.0.2.1');
    assert.equal(v.listener, 'web');
  });
});
