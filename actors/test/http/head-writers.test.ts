import assert from 'node:assert/strict';
import { FRAMING_CHUNKED, FRAMING_NONE, FRAMING_TUNNEL, FRAMING_UNTIL_CLOSE, framingLength } from '../../src/http/body-framing.js';
import { filterHopByHop, isHopByHop } from '../../src/http/hop-by-hop.js';
import { parseRequestHead, type HeadLimits, type RequestHead } from '../../src/http/request-head-parser.js';
import { writeRequestHead, writeResponseHead } from './head-bytes.js';
import { parseResponseHead } from '../../src/http/response-head-parser.js';

const LIMITS: HeadLimits = { maxHeadBytes: 8192, maxHeaderCount: 50, maxTargetBytes: 1024 };

function parseRequest(buf: Buffer): RequestHead {
  const r = parseRequestHead(buf, 0, buf.length, LIMITS);
  if (r.kind !== 'head') assert.fail(`expected a head, got ${JSON.stringify(r)}`);
  assert.equal(r.consumed, buf.length);
  return r.head;
}

describe('writeRequestHead', () => {
  it('writes a head that parses back to the same model', () => {
    const original = parseRequest(
      Buffer.from(
        'POST /api/v1/items?x=1 HTTP/1.1\r\nHost: api.example:8443\r\nX-A: one two\r\nAccept: */*\r\nExpect: 100-continue\r\nContent-Length: 12\r\n\r\n',
        'latin1',
      ),
    );
    const written = writeRequestHead(original.method, original.target, original.versionMinor, original.headers, original.framing);
    assert.ok(written !== null);
    assert.deepEqual(parseRequest(written), original);
  });

  it('writes exactly one framing line, from the framing argument only', () => {
    const headers = ['Host', 'a', 'Content-Length', '99', 'transfer-encoding', 'gzip', 'X', 'y'];
    const chunked = writeRequestHead('POST', '/', 1, headers, FRAMING_CHUNKED);
    assert.equal(chunked?.toString('latin1'), 'POST / HTTP/1.1\r\nHost: a\r\nX: y\r\nTransfer-Encoding: chunked\r\n\r\n');
    const length = writeRequestHead('POST', '/', 1, headers, framingLength(0));
    assert.equal(length?.toString('latin1'), 'POST / HTTP/1.1\r\nHost: a\r\nX: y\r\nContent-Length: 0\r\n\r\n');
    const none = writeRequestHead('GET', '/', 1, headers, FRAMING_NONE);
    assert.equal(none?.toString('latin1'), 'GET / HTTP/1.1\r\nHost: a\r\nX: y\r\n\r\n');
  });

  it('refuses chunked framing on HTTP/1.0', () => {
    assert.equal(writeRequestHead('POST', '/', 0, ['Host', 'a'], FRAMING_CHUNKED), null);
  });

  const unsafe: [string, string, string, string[]][] = [
    ['CRLF in a value', 'GET', '/', ['X', 'a\r\nInjected: 1']],
    ['LF in a value', 'GET', '/', ['X', 'a\nb']],
    ['NUL in a value', 'GET', '/', ['X', 'a\x00b']],
    ['a character above U+00FF that latin1 would turn into LF', 'GET', '/', ['X', 'a\u010Ab']],
    ['a character above U+00FF in a value', 'GET', '/', ['X', '\u20ac']],
    ['a colon in a name', 'GET', '/', ['X:Y', '1']],
    ['a space in a name', 'GET', '/', ['X Y', '1']],
    ['an empty name', 'GET', '/', ['', '1']],
    ['an odd field array', 'GET', '/', ['X']],
    ['a space in the target', 'GET', '/a b', []],
    ['CRLF in the target', 'GET', '/\r\nX: 1', []],
    ['a fragment in the target', 'GET', '/a#b', []],
    ['an empty target', 'GET', '', []],
    ['a space in the method', 'GE T', '/', []],
    ['an empty method', '', '/', []],
  ];
  for (const [name, method, target, headers] of unsafe) {
    it(`returns null for ${name}`, () => {
      assert.equal(writeRequestHead(method, target, 1, headers, FRAMING_NONE), null);
    });
  }
});

describe('writeResponseHead', () => {
  it('writes a head that parses back to the same model', () => {
    const text = 'HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nTransfer-Encoding: chunked\r\n\r\n';
    const buf = Buffer.from(text, 'latin1');
    const r = parseResponseHead(buf, 0, buf.length, LIMITS, 'GET');
    assert.ok(r.kind === 'head');
    if (r.kind !== 'head') return;
    const written = writeResponseHead(r.head.status, r.head.reason, r.head.versionMinor, r.head.headers, r.head.framing);
    assert.equal(written?.toString('latin1'), text);
  });

  it('uses the standard reason by default and keeps the SP before an empty reason', () => {
    assert.equal(writeResponseHead(404, undefined, 1, [], framingLength(0))?.toString('latin1'), 'HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
    assert.equal(writeResponseHead(299, undefined, 1, [], framingLength(0))?.toString('latin1'), 'HTTP/1.1 299 \r\nContent-Length: 0\r\n\r\n');
  });

  it('never frames a 1xx or 204, and frames nothing for until-close and tunnel', () => {
    assert.equal(writeResponseHead(204, undefined, 1, ['Content-Length', '5'], framingLength(5))?.toString('latin1'), 'HTTP/1.1 204 No Content\r\n\r\n');
    assert.equal(writeResponseHead(101, undefined, 1, ['Upgrade', 'websocket'], FRAMING_CHUNKED)?.toString('latin1'), 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n');
    assert.equal(writeResponseHead(200, 'OK', 1, ['Connection', 'close'], FRAMING_UNTIL_CLOSE)?.toString('latin1'), 'HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n');
    assert.equal(writeResponseHead(200, 'OK', 1, [], FRAMING_TUNNEL)?.toString('latin1'), 'HTTP/1.1 200 OK\r\n\r\n');
    assert.equal(writeResponseHead(304, undefined, 1, [], framingLength(10))?.toString('latin1'), 'HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n');
  });

  it('returns null for a bad status, an unsafe reason or field, or chunked to HTTP/1.0', () => {
    assert.equal(writeResponseHead(99, undefined, 1, [], FRAMING_NONE), null);
    assert.equal(writeResponseHead(600, undefined, 1, [], FRAMING_NONE), null);
    assert.equal(writeResponseHead(200.5, undefined, 1, [], FRAMING_NONE), null);
    assert.equal(writeResponseHead(200, 'OK\r\nX: 1', 1, [], FRAMING_NONE), null);
    assert.equal(writeResponseHead(200, 'OK', 1, ['X', 'a\rb'], FRAMING_NONE), null);
    assert.equal(writeResponseHead(200, 'OK', 0, [], FRAMING_CHUNKED), null);
  });
});

describe('hop-by-hop fields', () => {
  it('knows the hop-by-hop names', () => {
    for (const name of ['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade']) {
      assert.equal(isHopByHop(name), true, name);
    }
    for (const name of ['content-length', 'host', 'proxy-authenticate', 'proxy-authorization', 'trailers', 'x-connection', 'upgrade-insecure-requests']) {
      assert.equal(isHopByHop(name), false, name);
    }
  });

  it('drops hop-by-hop fields in any case', () => {
    const headers = ['Host', 'a', 'CONNECTION', 'x', 'Keep-Alive', 'timeout=5', 'Proxy-Connection', 'keep-alive', 'TE', 'trailers',
      'Trailer', 'X-Sum', 'Transfer-Encoding', 'chunked', 'Upgrade', 'websocket', 'Proxy-Authorization', 'Basic x', 'Accept', '*/*'];
    assert.deepEqual(filterHopByHop(headers, []), ['Host', 'a', 'Proxy-Authorization', 'Basic x', 'Accept', '*/*']);
  });

  it('drops the fields named by Connection, but never framing fields, Host, or protected ones', () => {
    const head = parseRequest(
      Buffer.from(
        'POST / HTTP/1.1\r\nHost: a\r\nConnection: content-length, host, x-foo, Transfer-Encoding, X-Forwarded-For\r\nContent-Length: 3\r\nX-Foo: 1\r\nx-foo: 2\r\nX-Forwarded-For: 1.2.3.4\r\nX-Bar: 3\r\n\r\n',
        'latin1',
      ),
    );
    const filtered = filterHopByHop(head.headers, head.connectionTokens, new Set(['x-forwarded-for']));
    assert.deepEqual(filtered, ['Host', 'a', 'Content-Length', '3', 'X-Forwarded-For', '1.2.3.4', 'X-Bar', '3']);
  });

  it('removes only x-foo for Connection: content-length, host, x-foo', () => {
    const headers = ['Host', 'a', 'Connection', 'content-length, host, x-foo', 'Content-Length', '1', 'X-Foo', 'v', 'X-Foo-Bar', 'w'];
    assert.deepEqual(filterHopByHop(headers, ['content-length', 'host', 'x-foo']), ['Host', 'a', 'Content-Length', '1', 'X-Foo-Bar', 'w']);
  });

  it('returns a new array and leaves the input untouched', () => {
    const headers = ['Host', 'a'];
    const out = filterHopByHop(headers, []);
    assert.notEqual(out, headers);
    assert.deepEqual(headers, ['Host', 'a']);
  });
});
