// Strict HTTP/1.1 parsing: malformed requests are refused with the right status and never reach the origin.
import assert from 'node:assert/strict';
import { Closers } from '../helpers/closers.js';
import { startHttpOrigin, type Echo } from '../helpers/http-origin.js';
import { connectRaw, header, parseAllResponses, rawExchange } from '../helpers/raw-client.js';
import { NEVER, chunkedResponse, okResponse, startRecordingOrigin, type RecordingOrigin } from '../helpers/recording-origin.js';
import { startProxy, upstream, type StartedProxy } from '../helpers/start-proxy.js';

const settle = (ms = 60): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('proxy strict parsing (integration)', () => {
  const closers = new Closers();
  afterEach(() => closers.closeAll());

  describe('malformed requests never reach the origin', () => {
    let origin: RecordingOrigin;
    let proxy: StartedProxy;
    beforeEach(async () => {
      origin = await startRecordingOrigin({ kind: 'respond', raw: okResponse('should not be asked') }, closers);
      proxy = await startProxy(
        {
          server: { limits: { maxHeadSize: '2kb', maxHeaderCount: 20, maxTargetLength: 256, maxBodySize: 1000 } },
          routes: [
            { name: 'small', match: { pathPrefix: '/small' }, maxBodySize: 10, forward: { upstream: 'rec' } },
            { name: 'all', forward: { upstream: 'rec' } },
          ],
          upstreams: [upstream('rec', [origin.address])],
        },
        closers,
      );
    });

    /** Sends `raw` (in separate writes when an array), expects `status` and a close, and an untouched origin. */
    async function expectRefused(raw: string | string[], status: number, options: { gapMs?: number; mayConnect?: boolean } = {}): Promise<void> {
      const ex = await rawExchange(proxy.port, raw, closers, { timeoutMs: 3000, ...(options.gapMs === undefined ? {} : { gapMs: options.gapMs }) });
      assert.equal(ex.status, status, `expected ${status}, got:\n${ex.text}`);
      assert.ok(ex.isClosed, 'the proxy closes the connection after a framing error');
      await settle();
      assert.equal(origin.totalBytes, 0, `the origin received:\n${origin.allText}`);
      if (options.mayConnect !== true) assert.equal(origin.connections.length, 0, 'no upstream connection is even opened');
    }

    const H = 'Host: a.test\r\n';
    const cases: [string, string, number][] = [
      ['both Content-Length and Transfer-Encoding', `POST / HTTP/1.1\r\n${H}Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n`, 400],
      ['Transfer-Encoding before Content-Length', `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\nhello`, 400],
      ['two differing Content-Length fields', `POST / HTTP/1.1\r\n${H}Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!`, 400],
      ['a Content-Length list with differing values', `POST / HTTP/1.1\r\n${H}Content-Length: 5, 6\r\n\r\nhello!`, 400],
      ['a signed Content-Length', `POST / HTTP/1.1\r\n${H}Content-Length: +5\r\n\r\nhello`, 400],
      ['a Transfer-Encoding whose final coding is not chunked', `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n`, 400],
      ['chunked applied twice', `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n`, 400],
      ['Transfer-Encoding on HTTP/1.0', `POST / HTTP/1.0\r\n${H}Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n`, 400],
      ['obs-fold', `GET / HTTP/1.1\r\n${H}X-Long: a\r\n b\r\n\r\n`, 400],
      ['whitespace before the colon', `GET / HTTP/1.1\r\n${H}X-Name : v\r\n\r\n`, 400],
      ['bare LF line endings', 'GET / HTTP/1.1\nHost: a.test\n\n', 400],
      ['a bare LF after a field', `GET / HTTP/1.1\r\nHost: a.test\nX-A: 1\r\n\r\n`, 400],
      ['bare CR line endings', 'GET / HTTP/1.1\rHost: a.test\r\r', 400],
      ['a bare CR inside a value', `GET / HTTP/1.1\r\n${H}X-A: a\rb\r\n\r\n`, 400],
      ['a non-token character in a field name', `GET / HTTP/1.1\r\n${H}X(A): 1\r\n\r\n`, 400],
      ['an empty field name', `GET / HTTP/1.1\r\n${H}: 1\r\n\r\n`, 400],
      ['a control character in a field value', `GET / HTTP/1.1\r\n${H}X-A: a\x01b\r\n\r\n`, 400],
      ['NUL in a field value', `GET / HTTP/1.1\r\n${H}X-A: a\x00b\r\n\r\n`, 400],
      ['a field line without a colon', `GET / HTTP/1.1\r\n${H}X-A\r\n\r\n`, 400],
      ['two spaces in the request line', `GET  / HTTP/1.1\r\n${H}\r\n`, 400],
      ['a request line with an extra word', `GET / HTTP/1.1 x\r\n${H}\r\n`, 400],
      ['a lower-case version', `GET / http/1.1\r\n${H}\r\n`, 400],
      ['a target that is neither a path nor an absolute URI', `GET a/b HTTP/1.1\r\n${H}\r\n`, 400],
      ['a fragment in the target', `GET /a#b HTTP/1.1\r\n${H}\r\n`, 400],
      ['a malformed percent-escape in the target', `GET /a%zz HTTP/1.1\r\n${H}\r\n`, 400],
      ['a non-ASCII byte in the target', `GET /caf\xe9 HTTP/1.1\r\n${H}\r\n`, 400],
      ['an absolute target with userinfo', `GET http://user@a.test/ HTTP/1.1\r\n${H}\r\n`, 400],
      ['"*" with GET', `GET * HTTP/1.1\r\n${H}\r\n`, 400],
      ['an unsupported HTTP version', `GET / HTTP/2.0\r\n${H}\r\n`, 505],
      ['a head over maxHeadSize', `GET / HTTP/1.1\r\n${H}X-Big: ${'b'.repeat(2100)}\r\n\r\n`, 431],
      ['more fields than maxHeaderCount', `GET / HTTP/1.1\r\n${H}${Array.from({ length: 25 }, (_, i) => `X-F${i}: ${i}\r\n`).join('')}\r\n`, 431],
      ['a target over maxTargetLength', `GET /${'t'.repeat(300)} HTTP/1.1\r\n${H}\r\n`, 414],
      ['a body over server.limits.maxBodySize', `POST / HTTP/1.1\r\n${H}Content-Length: 1001\r\n\r\n${'x'.repeat(1001)}`, 413],
      ["a body over the route's maxBodySize", `POST /small HTTP/1.1\r\n${H}Content-Length: 11\r\n\r\nhello world`, 413],
      ['a missing Host on HTTP/1.1', 'GET / HTTP/1.1\r\nX-A: 1\r\n\r\n', 400],
      ['two Host fields', `GET / HTTP/1.1\r\n${H}Host: b.test\r\n\r\n`, 400],
      ['two Host fields with the same value', `GET / HTTP/1.1\r\n${H}${H}\r\n`, 400],
      ['a Host with a space', 'GET / HTTP/1.1\r\nHost: a b.test\r\n\r\n', 400],
      ['a Host with userinfo', 'GET / HTTP/1.1\r\nHost: user@a.test\r\n\r\n', 400],
      ['a Host with a bad port', 'GET / HTTP/1.1\r\nHost: a.test:80x\r\n\r\n', 400],
      ['a Host that is invalid next to an absolute target', 'GET http://a.test/ HTTP/1.1\r\nHost: a b\r\n\r\n', 400],
      ['an encoded slash in the path', `GET /a%2Fb HTTP/1.1\r\n${H}\r\n`, 400],
      ['a dot-segment climbing above the root', `GET /../etc/passwd HTTP/1.1\r\n${H}\r\n`, 400],
      ['an encoded dot-segment climbing above the root', `GET /%2e%2e/etc/passwd HTTP/1.1\r\n${H}\r\n`, 400],
      ['an encoded NUL in the path', `GET /a%00b HTTP/1.1\r\n${H}\r\n`, 400],
      ['a backslash in the path', `GET /a\\..\\b HTTP/1.1\r\n${H}\r\n`, 400],
      ['path parameters', `GET /a;jsessionid=1 HTTP/1.1\r\n${H}\r\n`, 400],
    ];
    for (const [title, raw, status] of cases) {
      it(`answers ${status} to ${title}`, async () => {
        await expectRefused(raw, status);
      });
    }

    // A chunked body is streamed: the head goes upstream once a connection is ready, and the body
    // is decoded as it arrives. The requirement is still that a malformed request never reaches an
    // upstream half-parsed, so these assert that the origin receives no byte at all.
    // The origin stays silent here, so what it received is all the test reports on.
    it('answers 400 to an invalid chunk size, sent with the head', async () => {
      origin.script = NEVER;
      await expectRefused(`POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n`, 400, { mayConnect: true });
    });

    it('answers 400 to an invalid chunk size that arrives after the head', async () => {
      origin.script = NEVER;
      await expectRefused([`POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n`, 'zz\r\nhello\r\n0\r\n\r\n'], 400, { gapMs: 100, mayConnect: true });
    });

    it('answers 400 to a malformed chunk extension', async () => {
      origin.script = NEVER;
      await expectRefused([`POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n`, '5;=x\r\nhello\r\n0\r\n\r\n'], 400, { gapMs: 100, mayConnect: true });
    });

    it('answers 400 to chunk data not followed by CRLF', async () => {
      origin.script = NEVER;
      await expectRefused([`POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n`, '5\r\nhelloXX0\r\n\r\n'], 400, { gapMs: 100, mayConnect: true });
    });

    it('answers 413 to a chunked body over the limit, and the origin never gets a complete request', async () => {
      origin.script = NEVER;
      const chunk = `${(600).toString(16)}\r\n${'c'.repeat(600)}\r\n`;
      const ex = await rawExchange(proxy.port, [`POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n`, chunk, chunk, '0\r\n\r\n'], closers, { gapMs: 50 });
      assert.equal(ex.status, 413, ex.text);
      await settle();
      assert.doesNotMatch(origin.allText, /\r\n0\r\n\r\n$/, 'the origin never receives the last chunk');
      assert.ok(origin.connections.every((c) => c.isClosed), 'the upstream connection is closed');
    });
  });

  it('answers 413 once to a chunked body over the limit that arrives whole, and keeps serving', async () => {
    const origin = await startHttpOrigin('o', closers);
    const proxy = await startProxy({ routes: [{ name: 'all', maxBodySize: 3, forward: { upstream: 'o' } }], upstreams: [upstream('o', [origin.address])] }, closers);
    const ex = await rawExchange(proxy.port, 'POST /x HTTP/1.1\r\nHost: a.test\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n2\r\nab\r\n0\r\n\r\n', closers);
    assert.equal(ex.status, 413, ex.text);
    assert.equal(ex.responses.length, 1, `exactly one response:\n${ex.text}`);
    const conn = await connectRaw(proxy.port, closers);
    await conn.write('GET /after HTTP/1.1\r\nHost: a.test\r\n\r\n');
    assert.equal((await conn.readResponse()).status, 200, 'the proxy is still up');
  });

  it('routes an absolute-form target by its authority, not by Host', async () => {
    const proxy = await startProxy(
      {
        routes: [
          { name: 'real', match: { host: 'real.test' }, respond: { body: 'real' } },
          { name: 'other', match: { host: 'other.test' }, respond: { body: 'other' } },
        ],
      },
      closers,
    );
    const conn = await connectRaw(proxy.port, closers);
    await conn.write('GET http://real.test/x HTTP/1.1\r\nHost: other.test\r\n\r\n');
    const res = await conn.readResponse();
    assert.equal(res.status, 200);
    assert.equal(res.body.toString(), 'real');
  });

  it('forwards an absolute-form target as origin-form with the routed path', async () => {
    const origin = await startHttpOrigin('o', closers);
    const proxy = await startProxy({ routes: [{ name: 'all', preserveHost: true, forward: { upstream: 'o' } }], upstreams: [upstream('o', [origin.address])] }, closers);
    const conn = await connectRaw(proxy.port, closers);
    await conn.write('GET http://Real.Test:8080/a/./b?q=1 HTTP/1.1\r\nHost: other.test\r\n\r\n');
    const res = await conn.readResponse();
    const echo = JSON.parse(res.body.toString()) as Echo;
    assert.equal(echo.url, '/a/b?q=1');
    assert.equal(echo.headers.host, 'real.test:8080');
  });

  it('never sends chunked framing to an HTTP/1.0 client', async () => {
    const origin = await startRecordingOrigin({ kind: 'respond', raw: chunkedResponse(['hello ', 'old ', 'client']) }, closers);
    const proxy = await startProxy({ routes: [{ name: 'all', forward: { upstream: 'rec' } }], upstreams: [upstream('rec', [origin.address])] }, closers);
    const ex = await rawExchange(proxy.port, 'GET / HTTP/1.0\r\n\r\n', closers);
    assert.ok(ex.isClosed, 'a close-delimited body ends with the close');
    const [res] = ex.responses;
    assert.ok(res !== undefined, ex.text);
    assert.equal(res.version, 'HTTP/1.0');
    assert.equal(res.status, 200);
    assert.equal(header(res, 'transfer-encoding'), undefined, ex.text);
    assert.equal(res.framing, 'close');
    assert.equal(res.body.toString(), 'hello old client');
    // The upstream request itself is HTTP/1.1 with a Host (the target's).
    assert.match(origin.connections[0]?.text ?? '', new RegExp(`^GET / HTTP/1\\.1\\r\\nHost: 127\\.0\\.0\\.1:${origin.port}\\r\\n`));
  });

  describe('bad responses from the upstream', () => {
    const badResponses: [string, string][] = [
      ['both Content-Length and Transfer-Encoding', 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n'],
      ['a garbage status line', 'HTPT/1.1 2OO OK\r\nContent-Length: 2\r\n\r\nok'],
      ['differing Content-Length values', 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok!'],
      ['an obs-folded field', 'HTTP/1.1 200 OK\r\nX-A: 1\r\n 2\r\nContent-Length: 2\r\n\r\nok'],
    ];

    // Bytes after a complete response, in the same packet: the origin broke framing (or tries to
    // answer a request it has not seen yet). They must not reach anyone, and the connection must not
    // be reused.
    const trailing: [string, string][] = [
      ['a body-less 204', 'HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nEVIL!'],
      ['a Content-Length body', 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nEVIL!'],
      ['a chunked body', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nEVIL!'],
    ];
    for (const [title, raw] of trailing) {
      it(`never reuses an upstream connection that sent bytes after ${title}`, async () => {
        const origin = await startRecordingOrigin(
          { kind: 'custom', onHead: (conn, o) => o.write(conn, o.connections.indexOf(conn) === 0 && conn.answered === 1 ? raw : okResponse('fine')) },
          closers,
        );
        const proxy = await startProxy({ routes: [{ name: 'all', forward: { upstream: 'rec' } }], upstreams: [upstream('rec', [origin.address])] }, closers);
        const conn = await connectRaw(proxy.port, closers);
        await conn.write('GET /1 HTTP/1.1\r\nHost: a.test\r\n\r\n');
        const first = await conn.readResponse();
        assert.ok(first.status === 204 || first.status === 200);
        await settle(100);
        const other = await connectRaw(proxy.port, closers);
        await other.write('GET /2 HTTP/1.1\r\nHost: a.test\r\n\r\n');
        const second = await other.readResponse();
        assert.equal(second.body.toString(), 'fine');
        assert.ok(!conn.received.toString('latin1').includes('EVIL') && !other.received.toString('latin1').includes('EVIL'));
        assert.equal(origin.connections.length, 2, 'the second request used a new upstream connection');
      });
    }
    for (const [title, bad] of badResponses) {
      it(`answers 502 to ${title} and discards that upstream connection`, async () => {
        const origin = await startRecordingOrigin(
          { kind: 'custom', onHead: (conn, o) => o.write(conn, o.connections.indexOf(conn) === 0 ? bad : okResponse('fine')) },
          closers,
        );
        const proxy = await startProxy({ routes: [{ name: 'all', forward: { upstream: 'rec' } }], upstreams: [upstream('rec', [origin.address])] }, closers);
        const first = await rawExchange(proxy.port, 'GET /1 HTTP/1.1\r\nHost: a.test\r\n\r\n', closers);
        assert.equal(first.status, 502, first.text);
        assert.ok(!first.text.includes('hello') && !first.text.includes('ok!'), 'nothing of the bad response reaches the client');
        await origin.waitFor(() => origin.connections[0]?.isClosed === true, 'the bad upstream connection to be closed');
        const conn = await connectRaw(proxy.port, closers);
        await conn.write('GET /2 HTTP/1.1\r\nHost: a.test\r\n\r\n');
        const second = await conn.readResponse();
        assert.equal(second.status, 200);
        assert.equal(second.body.toString(), 'fine');
        assert.equal(origin.connections.length, 2, 'the second request used a new upstream connection');
      });
    }
  });

  describe('path normalization', () => {
    it('routes and forwards the normalized path, so a path rule cannot be bypassed', async () => {
      const backend = await startHttpOrigin('backend', closers);
      const frontend = await startHttpOrigin('frontend', closers);
      const proxy = await startProxy(
        {
          routes: [
            { name: 'oauth', priority: 10, match: { path: ['/oauth2/authorization/**'] }, forward: { upstream: 'backend' } },
            { name: 'default', priority: 1000, forward: { upstream: 'frontend' } },
          ],
          upstreams: [upstream('backend', [backend.address]), upstream('frontend', [frontend.address])],
        },
        closers,
      );
      for (const path of ['/a/../oauth2/authorization/x', '/oauth2//authorization/./x', '/%6fauth2/authorization/x']) {
        const conn = await connectRaw(proxy.port, closers);
        await conn.write(`GET ${path} HTTP/1.1\r\nHost: a.test\r\n\r\n`);
        const res = await conn.readResponse();
        assert.equal(header(res, 'x-origin'), 'backend', path);
        assert.equal((JSON.parse(res.body.toString()) as Echo).url, '/oauth2/authorization/x', path);
        conn.close();
      }
      assert.equal(frontend.requests, 0);
    });

    it('accepts an encoded slash only on a route with allowAmbiguousPath', async () => {
      const origin = await startHttpOrigin('o', closers);
      const proxy = await startProxy(
        {
          routes: [
            { name: 'lenient', match: { pathPrefix: '/files/' }, allowAmbiguousPath: true, forward: { upstream: 'o' } },
            { name: 'strict', forward: { upstream: 'o' } },
          ],
          upstreams: [upstream('o', [origin.address])],
        },
        closers,
      );
      const ok = await rawExchange(proxy.port, 'GET /files/a%2Fb HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n', closers);
      assert.equal(ok.status, 200, ok.text);
      assert.equal((JSON.parse(ok.responses[0]?.body.toString() ?? '{}') as Echo).url, '/files/a%2Fb');
      const refused = await rawExchange(proxy.port, 'GET /other/a%2Fb HTTP/1.1\r\nHost: a.test\r\n\r\n', closers);
      assert.equal(refused.status, 400, refused.text);
      assert.equal(origin.requests, 1);
    });
  });

  it('closes after a framing error even when pipelined requests follow', async () => {
    const origin = await startRecordingOrigin({ kind: 'respond', raw: okResponse('x') }, closers);
    const proxy = await startProxy({ routes: [{ name: 'all', forward: { upstream: 'rec' } }], upstreams: [upstream('rec', [origin.address])] }, closers);
    const ex = await rawExchange(
      proxy.port,
      'POST / HTTP/1.1\r\nHost: a.test\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nxGET /smuggled HTTP/1.1\r\nHost: a.test\r\n\r\n',
      closers,
    );
    assert.equal(ex.status, 400);
    assert.equal(parseAllResponses(ex.raw, true).length, 1, ex.text);
    await settle();
    assert.equal(origin.totalBytes, 0);
  });
});
