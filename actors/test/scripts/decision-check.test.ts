import assert from 'node:assert/strict';
import { decisionKey, decisionProblem, parseTarget } from '../../src/scripts/decision-check.js';

describe('decisionProblem', () => {
  const valid: unknown[] = [
    { kind: 'forward', upstream: 'u' },
    { kind: 'forward', target: '127.0.0.1:8080', scheme: 'https' },
    { kind: 'forward', target: '[::1]:80' },
    { kind: 'forward', upstream: 'u', path: '/x', setHeaders: { 'x-a': '1' }, removeHeaders: ['cookie'] },
    { kind: 'split', split: [{ upstream: 'a', weight: 1 }, { upstream: 'b', weight: 0 }] },
    { kind: 'redirect', location: 'https://example.com/' },
    { kind: 'redirect', location: '/x', status: 308 },
    { kind: 'respond', status: 503, headers: { 'retry-after': '5' }, body: 'later' },
    { kind: 'rewrite', path: '/new' },
    { kind: 'next' },
  ];
  for (const d of valid) it(`accepts ${JSON.stringify(d)}`, () => assert.equal(decisionProblem(d), undefined));

  const invalid: [unknown, RegExp][] = [
    [undefined, /undefined/],
    [null, /null/],
    [Promise.resolve({ kind: 'next' }), /Promise/],
    [{ kind: 'teleport' }, /unknown decision kind/],
    [{ kind: 'forward' }, /exactly one of upstream or target/],
    [{ kind: 'forward', upstream: 'a', target: 'b:1' }, /exactly one/],
    [{ kind: 'forward', target: 'no-port' }, /host:port/],
    [{ kind: 'forward', target: 'h:70000' }, /host:port/],
    [{ kind: 'forward', upstream: 'u', path: 'relative' }, /starting with "\/"/],
    [{ kind: 'forward', upstream: 'u', path: '/a b' }, /not allowed/],
    [{ kind: 'forward', upstream: 'u', path: '/a?b' }, /not allowed/],
    [{ kind: 'forward', upstream: 'u', setHeaders: { 'content-length': '1' } }, /set by the proxy/],
    [{ kind: 'forward', upstream: 'u', setHeaders: { Host: 'x' } }, /set by the proxy/],
    [{ kind: 'forward', upstream: 'u', setHeaders: { 'x-a': 'a\r\nb: c' } }, /control characters/],
    [{ kind: 'forward', upstream: 'u', removeHeaders: ['Transfer-Encoding'] }, /set by the proxy/],
    [{ kind: 'split', split: [] }, /non-empty/],
    [{ kind: 'split', split: [{ upstream: 'a', weight: 0 }] }, /positive weight/],
    [{ kind: 'split', split: [{ upstream: 'a', weight: -1 }] }, /weight/],
    [{ kind: 'redirect', location: 'x', status: 200 }, /301, 302/],
    [{ kind: 'redirect', location: 'a\nb' }, /control/],
    [{ kind: 'respond', status: 99 }, /200 to 599/],
    [{ kind: 'respond', status: 200, body: 5 }, /body/],
    [{ kind: 'rewrite' }, /changes path/],
  ];
  for (const [d, why] of invalid) it(`refuses ${String(JSON.stringify(d) ?? d)}`, () => assert.match(decisionProblem(d) ?? 'accepted', why));
});

describe('parseTarget and decisionKey', () => {
  it('splits host:port and [v6]:port', () => {
    assert.deepEqual(parseTarget('Example.COM:443'), { host: 'example.com', port: 443 });
    assert.deepEqual(parseTarget('[::1]:8080'), { host: '::1', port: 8080 });
    assert.equal(parseTarget('::1:80'), undefined);
  });

  it('gives equal decisions the same key whatever the key order, and drops undefined fields', () => {
    assert.equal(
      decisionKey({ kind: 'forward', upstream: 'a', setHeaders: { b: '1', a: '2' } }),
      decisionKey({ setHeaders: { a: '2', b: '1' }, upstream: 'a', kind: 'forward', path: undefined } as never),
    );
    assert.notEqual(decisionKey({ kind: 'forward', upstream: 'a' }), decisionKey({ kind: 'forward', upstream: 'b' }));
  });
});
