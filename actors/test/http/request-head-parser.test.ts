import assert from 'node:assert/strict';
import { parseRequestHead, type HeadLimits, type RequestHead, type RequestHeadResult } from '../../src/http/request-head-parser.js';

const LIMITS: HeadLimits = { maxHeadBytes: 8192, maxHeaderCount: 50, maxTargetBytes: 1024 };

function parse(text: string, limits: HeadLimits = LIMITS): RequestHeadResult {
  const buf = Buffer.from(text, 'latin1');
  return parseRequestHead(buf, 0, buf.length, limits);
}

function head(text: string, limits: HeadLimits = LIMITS): RequestHead {
  const r = parse(text, limits);
  if (r.kind !== 'head') assert.fail(`expected a head, got ${JSON.stringify(r)}`);
  return r.head;
}

function get(fields: string, line = 'GET / HTTP/1.1'): string {
  return `${line}\r\n${fields}\r\n\r\n`;
}

describe('parseRequestHead', () => {
  describe('valid requests', () => {
    it('parses an origin-form GET into the model', () => {
      const text = 'GET /a/b?x=1&y HTTP/1.1\r\nHost: example.com\r\nUser-Agent:  curl/8 \t\r\nAccept: */*\r\n\r\n';
      const r = parse(text);
      assert.equal(r.kind, 'head');
      if (r.kind !== 'head') return;
      assert.equal(r.consumed, Buffer.byteLength(text));
      assert.deepEqual(r.head, {
        method: 'GET',
        target: '/a/b?x=1&y',
        targetForm: 'origin',
        path: '/a/b',
        query: 'x=1&y',
        versionMinor: 1,
        headers: ['Host', 'example.com', 'User-Agent', 'curl/8', 'Accept', '*/*'],
        host: 'example.com',
        hostname: 'example.com',
        port: null,
        framing: { kind: 'none' },
        keepAlive: true,
        connectionTokens: [],
        upgrade: null,
        expectContinue: false,
        acceptsTrailers: false,
      });
    });

    it('keeps names as received and values with OWS trimmed, inner whitespace kept', () => {
      const h = head(get('Host: a\r\nX-MiXed-Case:\t a  b \t\r\nX-Empty:\r\nX-Spaces:   \r\nX-Obs: caf\xe9'));
      assert.deepEqual(h.headers, ['Host', 'a', 'X-MiXed-Case', 'a  b', 'X-Empty', '', 'X-Spaces', '', 'X-Obs', 'caf\xe9']);
    });

    it('splits path and query; an empty query is "" and no "?" is null', () => {
      assert.equal(head(get('Host: a', 'GET /p? HTTP/1.1')).query, '');
      assert.equal(head(get('Host: a', 'GET /p?a?b HTTP/1.1')).query, 'a?b');
      assert.equal(head(get('Host: a', 'GET /p?a?b HTTP/1.1')).path, '/p');
      const h = head(get('Host: a', 'GET /p HTTP/1.1'));
      assert.equal(h.query, null);
      assert.equal(h.path, h.target);
    });

    it('parses absolute-form and lets the target authority win over Host', () => {
      const h = head(get('Host: other.example', 'GET http://Example.com:8080/x/y?q=1 HTTP/1.1'));
      assert.equal(h.targetForm, 'absolute');
      assert.equal(h.host, 'example.com:8080');
      assert.equal(h.hostname, 'example.com');
      assert.equal(h.port, 8080);
      assert.equal(h.path, '/x/y');
      assert.equal(h.query, 'q=1');
    });

    it('gives absolute-form with an empty path the path "/"', () => {
      const h = head(get('Host: a', 'GET HTTPS://a.example?q HTTP/1.1'));
      assert.equal(h.path, '/');
      assert.equal(h.query, 'q');
      assert.equal(head(get('Host: a', 'GET http://a.example HTTP/1.1')).path, '/');
    });

    it('parses CONNECT authority-form', () => {
      const h = head(get('Host: example.com:443', 'CONNECT example.com:443 HTTP/1.1'));
      assert.equal(h.targetForm, 'authority');
      assert.equal(h.host, 'example.com:443');
      assert.equal(h.port, 443);
      assert.equal(h.path, '');
    });

    it('parses OPTIONS * asterisk-form', () => {
      const h = head(get('Host: a', 'OPTIONS * HTTP/1.1'));
      assert.equal(h.targetForm, 'asterisk');
      assert.equal(h.path, '*');
    });

    it('accepts any token method, case-sensitively', () => {
      assert.equal(head(get('Host: a', 'PROPFIND / HTTP/1.1')).method, 'PROPFIND');
      assert.equal(head(get('Host: a', 'get / HTTP/1.1')).method, 'get');
      for (const m of ['GET', 'PUT', 'POST', 'HEAD', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE']) {
        assert.equal(head(get('Host: a', `${m} / HTTP/1.1`)).method, m);
      }
    });

    it('tolerates exactly one empty line before the request line (RFC 9112 §2.2)', () => {
      const r = parse(`\r\n${get('Host: a')}`);
      assert.equal(r.kind, 'head');
      if (r.kind === 'head') assert.equal(r.consumed, 2 + Buffer.byteLength(get('Host: a')));
      assert.deepEqual(pick(parse(`\r\n\r\n${get('Host: a')}`)), [400, 'ERR_HTTP_BAD_REQUEST_LINE']);
    });

    it('accepts HTTP/1.0 without Host and reports an unknown host as ""', () => {
      const h = head('GET / HTTP/1.0\r\n\r\n');
      assert.equal(h.versionMinor, 0);
      assert.equal(h.host, '');
      assert.equal(h.keepAlive, false);
    });

    it('accepts an empty Host (RFC 9110 §7.2) and reports the host as ""', () => {
      assert.equal(head(get('Host:')).host, '');
    });

    it('accepts the raw characters browsers leave in paths and queries', () => {
      const h = head(get('Host: a', "GET /a|b^c`d{e}f[g]h\\i'j!$&()*+,;=:@~-._%20 HTTP/1.1"));
      assert.equal(h.path, "/a|b^c`d{e}f[g]h\\i'j!$&()*+,;=:@~-._%20");
    });

    it('normalizes the host: lower case, trailing dot removed', () => {
      assert.equal(head(get('Host: WWW.Example.COM.')).host, 'www.example.com');
      assert.equal(head(get('Host: [::1]:8080')).hostname, '[::1]');
      assert.equal(head(get('Host: 10.0.0.1')).host, '10.0.0.1');
    });
  });

  describe('framing', () => {
    it('reads Content-Length', () => {
      assert.deepEqual(head(get('Host: a\r\nContent-Length: 42')).framing, { kind: 'length', length: 42 });
      assert.deepEqual(head(get('Host: a\r\nContent-Length: 0')).framing, { kind: 'length', length: 0 });
    });

    it('collapses identical repeated Content-Length values, in lines and in lists', () => {
      assert.deepEqual(head(get('Host: a\r\nContent-Length: 5, 5')).framing, { kind: 'length', length: 5 });
      assert.deepEqual(head(get('Host: a\r\nContent-Length: 5\r\ncontent-length: 5')).framing, { kind: 'length', length: 5 });
      assert.deepEqual(head(get('Host: a\r\nContent-Length: 5,5 ,\t5')).framing, { kind: 'length', length: 5 });
      assert.deepEqual(head(get('Host: a\r\nContent-Length: 007, 7')).framing, { kind: 'length', length: 7 });
    });

    it('accepts Content-Length up to the safe integer range', () => {
      assert.deepEqual(head(get('Host: a\r\nContent-Length: 9007199254740991')).framing, {
        kind: 'length',
        length: Number.MAX_SAFE_INTEGER,
      });
    });

    it('reads Transfer-Encoding: chunked in any case, with OWS and empty list elements', () => {
      for (const te of ['chunked', 'Chunked', 'CHUNKED', ' chunked ', ', chunked', 'chunked,', 'chunked , ,']) {
        assert.deepEqual(head(get(`Host: a\r\nTransfer-Encoding: ${te}`, 'POST / HTTP/1.1')).framing, { kind: 'chunked' }, te);
      }
    });

    it('has no body without Content-Length or Transfer-Encoding (RFC 9112 §6.3 rule 7)', () => {
      assert.deepEqual(head(get('Host: a', 'POST / HTTP/1.1')).framing, { kind: 'none' });
    });
  });

  describe('connection facts', () => {
    const cases: [string, string, boolean, string[]][] = [
      ['HTTP/1.1', '', true, []],
      ['HTTP/1.1', 'Connection: close\r\n', false, ['close']],
      ['HTTP/1.1', 'Connection: Keep-Alive, CLOSE\r\n', false, ['keep-alive', 'close']],
      ['HTTP/1.1', 'Connection: keep-alive\r\n', true, ['keep-alive']],
      ['HTTP/1.0', '', false, []],
      ['HTTP/1.0', 'Connection: keep-alive\r\n', true, ['keep-alive']],
      ['HTTP/1.0', 'Connection: keep-alive, close\r\n', false, ['keep-alive', 'close']],
      ['HTTP/1.1', 'Connection: Upgrade, X-Foo\r\nConnection: ,te,\r\n', true, ['upgrade', 'x-foo', 'te']],
    ];
    for (const [version, field, keepAlive, tokens] of cases) {
      it(`keepAlive is ${keepAlive} for ${version} with ${JSON.stringify(field)}`, () => {
        const h = head(`GET / ${version}\r\nHost: a\r\n${field}\r\n`);
        assert.equal(h.keepAlive, keepAlive);
        assert.deepEqual(h.connectionTokens, tokens);
      });
    }

    it('reports Upgrade, joining several lines', () => {
      assert.equal(head(get('Host: a\r\nConnection: upgrade\r\nUpgrade: websocket')).upgrade, 'websocket');
      assert.equal(head(get('Host: a\r\nUpgrade: a\r\nX: 1\r\nupgrade: b')).upgrade, 'a, b');
    });

    it('reports Expect: 100-continue on HTTP/1.1 only', () => {
      assert.equal(head(get('Host: a\r\nExpect: 100-Continue')).expectContinue, true);
      assert.equal(head(get('Host: a\r\nExpect: foo, 100-continue')).expectContinue, true);
      assert.equal(head(get('Host: a\r\nExpect: 100-continuex')).expectContinue, false);
      assert.equal(head('GET / HTTP/1.0\r\nExpect: 100-continue\r\n\r\n').expectContinue, false);
    });

    it('reports whether TE accepts trailers', () => {
      assert.equal(head(get('Host: a\r\nTE: trailers')).acceptsTrailers, true);
      assert.equal(head(get('Host: a\r\nte: gzip;q=0.5, Trailers')).acceptsTrailers, true);
      assert.equal(head(get('Host: a\r\nTE: gzip')).acceptsTrailers, false);
    });
  });

  describe('rejections', () => {
    const cases: [string, string, number, string][] = [
      // request line
      ['double space after method', 'GET  / HTTP/1.1\r\nHost: a\r\n\r\n', 400, 'ERR_HTTP_BAD_REQUEST_LINE'],
      ['double space before version', 'GET /  HTTP/1.1\r\nHost: a\r\n\r\n', 400, 'ERR_HTTP_BAD_REQUEST_LINE'],
      ['trailing space after version', 'GET / HTTP/1.1 \r\nHost: a\r\n\r\n', 400, 'ERR_HTTP_BAD_REQUEST_LINE'],
      ['leading space', ' GET / HTTP/1.1\r\nHost: a\r\n\r\n', 400, 'ERR_HTTP_BAD_REQUEST_LINE'],
      ['tab separator', 'GET\t/ HTTP/1.1\r\nHost: a\r\n\r\n', 400, 'ERR_HTTP_BAD_REQUEST_LINE'],
      ['no version (HTTP/0.9)', 'GET /\r\nHost: a\r\n\r\n', 400, 'ERR_HTTP_BAD_REQUEST_LINE'],
      ['lower-case version', 'GET / http/1.1\r\nHost: a\r\n\r\n', 400, 'ERR_HTTP_BAD_REQUEST_LINE'],
      ['version with two digits', 'GET / HTTP/1.10\r\nHost: a\r\n\r\n', 400, 'ERR_HTTP_BAD_REQUEST_LINE'],
      ['version without minor', 'GET / HTTP/1\r\nHost: a\r\n\r\n', 400, 'ERR_HTTP_BAD_REQUEST_LINE'],
      ['non-token method', 'G(T / HTTP/1.1\r\nHost: a\r\n\r\n', 400, 'ERR_HTTP_BAD_REQUEST_LINE'],
      ['empty request line', '\r\n\r\n', 400, 'ERR_HTTP_BAD_REQUEST_LINE'],
      ['HTTP/2.0', 'GET / HTTP/2.0\r\nHost: a\r\n\r\n', 505, 'ERR_HTTP_VERSION'],
      ['HTTP/1.2', 'GET / HTTP/1.2\r\nHost: a\r\n\r\n', 505, 'ERR_HTTP_VERSION'],
      ['HTTP/0.9', 'GET / HTTP/0.9\r\nHost: a\r\n\r\n', 505, 'ERR_HTTP_VERSION'],
      // line endings
      ['bare LF after request line', 'GET / HTTP/1.1\nHost: a\r\n\r\n', 400, 'ERR_HTTP_BARE_LF'],
      ['bare LF after a field', 'GET / HTTP/1.1\r\nHost: a\n\r\n', 400, 'ERR_HTTP_BARE_LF'],
      ['bare LF as terminator', 'GET / HTTP/1.1\r\nHost: a\r\n\n', 400, 'ERR_HTTP_BARE_LF'],
      ['bare LF before the request line', '\nGET / HTTP/1.1\r\nHost: a\r\n\r\n', 400, 'ERR_HTTP_BARE_LF'],
      ['bare LF inside a name', 'GET / HTTP/1.1\r\nHo\nst: a\r\n\r\n', 400, 'ERR_HTTP_BARE_LF'],
      ['bare LF inside the method', 'GE\nT / HTTP/1.1\r\nHost: a\r\n\r\n', 400, 'ERR_HTTP_BARE_LF'],
      ['bare CR in a value', 'GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n', 400, 'ERR_HTTP_BARE_CR'],
      ['bare CR after the request line', 'GET / HTTP/1.1\rHost: a\r\n\r\n', 400, 'ERR_HTTP_BARE_CR'],
      ['bare CR as terminator', 'GET / HTTP/1.1\r\nHost: a\r\n\rX', 400, 'ERR_HTTP_BARE_CR'],
      ['bare CR in the leading empty line', '\rGET / HTTP/1.1\r\nHost: a\r\n\r\n', 400, 'ERR_HTTP_BARE_CR'],
      ['bare CR inside a name', 'GET / HTTP/1.1\r\nHo\rst: a\r\n\r\n', 400, 'ERR_HTTP_BARE_CR'],
      // fields
      ['obs-fold with SP', 'GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\n 2\r\n\r\n', 400, 'ERR_HTTP_OBS_FOLD'],
      ['obs-fold with HTAB', 'GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\n\t2\r\n\r\n', 400, 'ERR_HTTP_OBS_FOLD'],
      ['whitespace before the first field', 'GET / HTTP/1.1\r\n Host: a\r\n\r\n', 400, 'ERR_HTTP_OBS_FOLD'],
      ['space before colon', 'GET / HTTP/1.1\r\nHost : a\r\n\r\n', 400, 'ERR_HTTP_SPACE_BEFORE_COLON'],
      ['tab before colon', 'GET / HTTP/1.1\r\nHost\t: a\r\n\r\n', 400, 'ERR_HTTP_SPACE_BEFORE_COLON'],
      ['empty field name', 'GET / HTTP/1.1\r\nHost: a\r\n: x\r\n\r\n', 400, 'ERR_HTTP_HEADER_NAME'],
      ['field line without colon', 'GET / HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n', 400, 'ERR_HTTP_HEADER_NAME'],
      ['non-token byte in name', 'GET / HTTP/1.1\r\nHost: a\r\nX(y): 1\r\n\r\n', 400, 'ERR_HTTP_HEADER_NAME'],
      ['non-ASCII byte in name', 'GET / HTTP/1.1\r\nHost: a\r\nX\xe9: 1\r\n\r\n', 400, 'ERR_HTTP_HEADER_NAME'],
      ['slash in name', 'GET / HTTP/1.1\r\nHost: a\r\nX/Y: 1\r\n\r\n', 400, 'ERR_HTTP_HEADER_NAME'],
      ['NUL in value', 'GET / HTTP/1.1\r\nHost: a\r\nX: a\x00b\r\n\r\n', 400, 'ERR_HTTP_HEADER_VALUE'],
      ['CTL in value', 'GET / HTTP/1.1\r\nHost: a\r\nX: a\x01b\r\n\r\n', 400, 'ERR_HTTP_HEADER_VALUE'],
      ['DEL in value', 'GET / HTTP/1.1\r\nHost: a\r\nX: a\x7fb\r\n\r\n', 400, 'ERR_HTTP_HEADER_VALUE'],
      ['vertical tab in value', 'GET / HTTP/1.1\r\nHost: a\r\nX: a\x0bb\r\n\r\n', 400, 'ERR_HTTP_HEADER_VALUE'],
      ['invalid Connection', 'GET / HTTP/1.1\r\nHost: a\r\nConnection: close x\r\n\r\n', 400, 'ERR_HTTP_CONNECTION_INVALID'],
      ['quoted Connection', 'GET / HTTP/1.1\r\nHost: a\r\nConnection: "close"\r\n\r\n', 400, 'ERR_HTTP_CONNECTION_INVALID'],
      // Content-Length
      ['CL and TE', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n', 400, 'ERR_HTTP_CL_AND_TE'],
      ['TE and CL', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n', 400, 'ERR_HTTP_CL_AND_TE'],
      ['CL with plus sign', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\n', 400, 'ERR_HTTP_CL_INVALID'],
      ['CL negative', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -5\r\n\r\n', 400, 'ERR_HTTP_CL_INVALID'],
      ['CL with inner space', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1 2\r\n\r\n', 400, 'ERR_HTTP_CL_INVALID'],
      ['CL hex', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x10\r\n\r\n', 400, 'ERR_HTTP_CL_INVALID'],
      ['CL empty', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: \r\n\r\n', 400, 'ERR_HTTP_CL_INVALID'],
      ['CL decimal point', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5.0\r\n\r\n', 400, 'ERR_HTTP_CL_INVALID'],
      ['CL empty list element', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5,\r\n\r\n', 400, 'ERR_HTTP_CL_INVALID'],
      ['CL leading comma', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: ,5\r\n\r\n', 400, 'ERR_HTTP_CL_INVALID'],
      ['CL beyond safe integer', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 9007199254740992\r\n\r\n', 400, 'ERR_HTTP_CL_INVALID'],
      ['CL with 17 digits', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 00000000000000001\r\n\r\n', 400, 'ERR_HTTP_CL_INVALID'],
      ['CL differing lines', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n', 400, 'ERR_HTTP_CL_CONFLICT'],
      ['CL differing list', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 6\r\n\r\n', 400, 'ERR_HTTP_CL_CONFLICT'],
      // Transfer-Encoding
      ['TE final coding not chunked', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n', 400, 'ERR_HTTP_TE_NOT_CHUNKED'],
      ['TE gzip only', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n', 400, 'ERR_HTTP_TE_NOT_CHUNKED'],
      ['TE identity', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: identity\r\n\r\n', 400, 'ERR_HTTP_TE_NOT_CHUNKED'],
      ['TE xchunked', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xchunked\r\n\r\n', 400, 'ERR_HTTP_TE_NOT_CHUNKED'],
      ['TE chunked then gzip line', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n\r\n', 400, 'ERR_HTTP_TE_NOT_CHUNKED'],
      ['TE chunked twice', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, chunked\r\n\r\n', 400, 'ERR_HTTP_TE_CHUNKED_TWICE'],
      ['TE chunked twice in lines', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n', 400, 'ERR_HTTP_TE_CHUNKED_TWICE'],
      ['TE empty', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: \r\n\r\n', 400, 'ERR_HTTP_TE_INVALID'],
      ['TE only commas', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: , ,\r\n\r\n', 400, 'ERR_HTTP_TE_INVALID'],
      ['TE chunked with parameter', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked;q=1\r\n\r\n', 400, 'ERR_HTTP_TE_INVALID'],
      ['TE with quoted parameter', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip;x=",", chunked\r\n\r\n', 400, 'ERR_HTTP_TE_INVALID'],
      ['TE non-token', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked /\r\n\r\n', 400, 'ERR_HTTP_TE_INVALID'],
      ['TE gzip then chunked', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n', 501, 'ERR_HTTP_TE_UNKNOWN'],
      ['TE gzip;q then chunked', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip;q=1, chunked\r\n\r\n', 501, 'ERR_HTTP_TE_UNKNOWN'],
      ['TE on HTTP/1.0', 'POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n', 400, 'ERR_HTTP_TE_HTTP10'],
      // Host
      ['Host missing', 'GET / HTTP/1.1\r\nX: 1\r\n\r\n', 400, 'ERR_HTTP_HOST_MISSING'],
      ['Host missing with absolute-form', 'GET http://a/ HTTP/1.1\r\n\r\n', 400, 'ERR_HTTP_HOST_MISSING'],
      ['Host repeated', 'GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n', 400, 'ERR_HTTP_HOST_REPEATED'],
      ['Host repeated in other case', 'GET / HTTP/1.1\r\nHost: a\r\nhOST: b\r\n\r\n', 400, 'ERR_HTTP_HOST_REPEATED'],
      ['Host repeated on HTTP/1.0', 'GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n', 400, 'ERR_HTTP_HOST_REPEATED'],
      ['Host list', 'GET / HTTP/1.1\r\nHost: a, b\r\n\r\n', 400, 'ERR_HTTP_HOST_INVALID'],
      ['Host with userinfo', 'GET / HTTP/1.1\r\nHost: u@a\r\n\r\n', 400, 'ERR_HTTP_HOST_INVALID'],
      ['Host with path', 'GET / HTTP/1.1\r\nHost: a/b\r\n\r\n', 400, 'ERR_HTTP_HOST_INVALID'],
      ['Host with inner space', 'GET / HTTP/1.1\r\nHost: a b\r\n\r\n', 400, 'ERR_HTTP_HOST_INVALID'],
      ['Host with bad port', 'GET / HTTP/1.1\r\nHost: a:99999\r\n\r\n', 400, 'ERR_HTTP_HOST_INVALID'],
      ['Host with empty port', 'GET / HTTP/1.1\r\nHost: a:\r\n\r\n', 400, 'ERR_HTTP_HOST_INVALID'],
      ['Host percent-encoded', 'GET / HTTP/1.1\r\nHost: a%2eb\r\n\r\n', 400, 'ERR_HTTP_HOST_INVALID'],
      ['Host non-ASCII', 'GET / HTTP/1.1\r\nHost: caf\xe9.com\r\n\r\n', 400, 'ERR_HTTP_HOST_INVALID'],
      ['Host short IPv4', 'GET / HTTP/1.1\r\nHost: 127.1\r\n\r\n', 400, 'ERR_HTTP_HOST_INVALID'],
      ['Host invalid even with absolute-form', 'GET http://a/ HTTP/1.1\r\nHost: a b\r\n\r\n', 400, 'ERR_HTTP_HOST_INVALID'],
      // target
      ['target with #', 'GET /a#b HTTP/1.1\r\nHost: a\r\n\r\n', 400, 'ERR_HTTP_TARGET_INVALID'],
      ['target with non-ASCII', 'GET /caf\xe9 HTTP/1.1\r\nHost: a\r\n\r\n', 400, 'ERR_HTTP_TARGET_INVALID'],
      ['target with NUL', 'GET /a\x00 HTTP/1.1\r\nHost: a\r\n\r\n', 400, 'ERR_HTTP_TARGET_INVALID'],
      ['target with TAB', 'GET /a\tb HTTP/1.1\r\nHost: a\r\n\r\n', 400, 'ERR_HTTP_TARGET_INVALID'],
      ['target with DEL', 'GET /a\x7f HTTP/1.1\r\nHost: a\r\n\r\n', 400, 'ERR_HTTP_TARGET_INVALID'],
      ['target with <', 'GET /<script> HTTP/1.1\r\nHost: a\r\n\r\n', 400, 'ERR_HTTP_TARGET_INVALID'],
      ['target with "', 'GET /"x" HTTP/1.1\r\nHost: a\r\n\r\n', 400, 'ERR_HTTP_TARGET_INVALID'],
      ['target with % and one hex digit', 'GET /a%2 HTTP/1.1\r\nHost: a\r\n\r\n', 400, 'ERR_HTTP_TARGET_INVALID'],
      ['target with % and non-hex', 'GET /a%zz HTTP/1.1\r\nHost: a\r\n\r\n', 400, 'ERR_HTTP_TARGET_INVALID'],
      ['target with a bare %', 'GET /a% HTTP/1.1\r\nHost: a\r\n\r\n', 400, 'ERR_HTTP_TARGET_INVALID'],
      ['relative target', 'GET a/b HTTP/1.1\r\nHost: a\r\n\r\n', 400, 'ERR_HTTP_TARGET_INVALID'],
      ['absolute-form with other scheme', 'GET ftp://a/b HTTP/1.1\r\nHost: a\r\n\r\n', 400, 'ERR_HTTP_TARGET_INVALID'],
      ['absolute-form without //', 'GET http:a/b HTTP/1.1\r\nHost: a\r\n\r\n', 400, 'ERR_HTTP_TARGET_INVALID'],
      ['absolute-form with empty host', 'GET http:///b HTTP/1.1\r\nHost: a\r\n\r\n', 400, 'ERR_HTTP_TARGET_INVALID'],
      ['absolute-form with userinfo', 'GET http://user:pw@a/b HTTP/1.1\r\nHost: a\r\n\r\n', 400, 'ERR_HTTP_TARGET_INVALID'],
      ['authority-form without CONNECT', 'GET a.example:443 HTTP/1.1\r\nHost: a\r\n\r\n', 400, 'ERR_HTTP_TARGET_INVALID'],
      ['CONNECT with origin-form', 'CONNECT / HTTP/1.1\r\nHost: a\r\n\r\n', 400, 'ERR_HTTP_TARGET_INVALID'],
      ['CONNECT without port', 'CONNECT a.example HTTP/1.1\r\nHost: a\r\n\r\n', 400, 'ERR_HTTP_TARGET_INVALID'],
      ['CONNECT with absolute-form', 'CONNECT http://a:443/ HTTP/1.1\r\nHost: a\r\n\r\n', 400, 'ERR_HTTP_TARGET_INVALID'],
      ['* with GET', 'GET * HTTP/1.1\r\nHost: a\r\n\r\n', 400, 'ERR_HTTP_TARGET_INVALID'],
      ['*x with OPTIONS', 'OPTIONS *x HTTP/1.1\r\nHost: a\r\n\r\n', 400, 'ERR_HTTP_TARGET_INVALID'],
    ];
    for (const [name, text, status, code] of cases) {
      it(`refuses ${name} with ${status} ${code}`, () => {
        assert.deepEqual(pick(parse(text)), [status, code]);
      });
    }

    it('gives every error a non-empty reason', () => {
      for (const [, text] of cases) {
        const r = parse(text);
        assert.ok(r.kind === 'error' && r.reason.length > 0);
      }
    });
  });

  describe('limits', () => {
    const small: HeadLimits = { maxHeadBytes: 64, maxHeaderCount: 3, maxTargetBytes: 16 };

    it('accepts a head of exactly maxHeadBytes', () => {
      const base = 'GET / HTTP/1.1\r\nHost: a\r\nX: \r\n\r\n';
      const text = base.replace('X: ', `X: ${'v'.repeat(64 - base.length)}`);
      assert.equal(text.length, 64);
      assert.equal(parse(text, small).kind, 'head');
      assert.deepEqual(pick(parse(text.replace('X: ', 'X: v'), small)), [431, 'ERR_HTTP_HEAD_TOO_LARGE']);
    });

    it('answers 431 as soon as the scanned bytes exceed maxHeadBytes, without the terminator', () => {
      const text = `GET / HTTP/1.1\r\nHost: a\r\nX: ${'v'.repeat(100)}`;
      assert.deepEqual(pick(parse(text, small)), [431, 'ERR_HTTP_HEAD_TOO_LARGE']);
      assert.equal(parse(text.slice(0, 64), small).kind, 'incomplete');
    });

    it('answers 431 for more fields than maxHeaderCount', () => {
      assert.equal(parse('GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\n\r\n', small).kind, 'head');
      assert.deepEqual(pick(parse('GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n', small)), [431, 'ERR_HTTP_TOO_MANY_HEADERS']);
      assert.deepEqual(pick(parse('GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\nC', small)), [431, 'ERR_HTTP_TOO_MANY_HEADERS']);
    });

    it('answers 414 for a target longer than maxTargetBytes, even before the line ends', () => {
      assert.equal(parse(`GET /${'a'.repeat(15)} HTTP/1.1\r\nHost: a\r\n\r\n`, small).kind, 'head');
      assert.deepEqual(pick(parse(`GET /${'a'.repeat(16)} HTTP/1.1\r\nHost: a\r\n\r\n`, small)), [414, 'ERR_HTTP_TARGET_TOO_LONG']);
      assert.deepEqual(pick(parse(`GET /${'a'.repeat(16)}`, small)), [414, 'ERR_HTTP_TARGET_TOO_LONG']);
      assert.deepEqual(pick(parse(`GET /${'a'.repeat(14)}%4`, small)), [414, 'ERR_HTTP_TARGET_TOO_LONG']);
      assert.equal(parse(`GET /${'a'.repeat(15)}`, small).kind, 'incomplete');
    });

    it('answers 414 and 431 for a large incomplete head without a full rescan', () => {
      const limits: HeadLimits = { maxHeadBytes: 65536, maxHeaderCount: 1000, maxTargetBytes: 4096 };
      const longTarget = `GET /${'a'.repeat(5000)}`;
      assert.deepEqual(pick(parse(longTarget, limits)), [414, 'ERR_HTTP_TARGET_TOO_LONG']);
      let fields = 'GET / HTTP/1.1\r\nHost: a\r\n';
      while (fields.length < 70000) fields += 'X-Filler: 0123456789abcdef0123456789abcdef\r\n';
      assert.equal(parse(fields.slice(0, 60000), limits).kind, 'incomplete');
      assert.deepEqual(pick(parse(fields, limits)), [431, 'ERR_HTTP_HEAD_TOO_LARGE']);
      const complete = `${fields.slice(0, fields.lastIndexOf('\r\n', 30000) + 2)}\r\n`;
      const r = parse(complete, limits);
      assert.equal(r.kind, 'head');
    });

    it('still reports errors in a large head once its terminator arrives', () => {
      const limits: HeadLimits = { maxHeadBytes: 65536, maxHeaderCount: 1000, maxTargetBytes: 4096 };
      let text = 'GET / HTTP/1.1\r\nHost: a\r\nBad: \x01\r\n';
      while (text.length < 10000) text += 'X-Filler: 0123456789abcdef\r\n';
      // Above the rescan threshold an unterminated head is not rescanned, so the error waits for the end.
      assert.equal(pick(parse(text, limits)), 'incomplete');
      assert.deepEqual(pick(parse(`${text}\r\n`, limits)), [400, 'ERR_HTTP_HEADER_VALUE']);
      assert.deepEqual(pick(parse(`${text}\n`, limits)), [400, 'ERR_HTTP_HEADER_VALUE']);
    });
  });

  describe('incremental input', () => {
    const samples = [
      'GET /a/b?c=d HTTP/1.1\r\nHost: example.com\r\nConnection: keep-alive, X-Y\r\nX-Y: 1\r\nContent-Length: 3\r\n\r\n',
      '\r\nPOST http://h.example:81/p HTTP/1.1\r\nHost: ignored.example\r\nTransfer-Encoding: gzip, chunked\r\n\r\n',
      'GET / HTTP/1.1\r\nHost: a\r\nX: a\rb\r\n\r\n',
      'GET / HTTP/1.1\r\nHost: a\r\nX: a\nb\r\n\r\n',
      'GET /%4 HTTP/1.1\r\n\r\n',
      'GET / HTTP/1.1\r\nHost : a\r\n\r\n',
      'GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\nHost: a\r\n\r\n',
      'GET / HTTP/1.1\r\nHost: a\r\n\rX',
      'GET / HTTP/1.1\r\n\r\n',
      'OPTIONS * HTTP/1.0\r\n\r\n',
      'GET / HTTP/3.0\r\n\r\n',
      'GE\rT / HTTP/1.1\r\n\r\n',
    ];
    for (const text of samples) {
      it(`gives the same answer at every split point for ${JSON.stringify(text.slice(0, 40))}`, () => {
        const buf = Buffer.from(text, 'latin1');
        const whole = parseRequestHead(buf, 0, buf.length, LIMITS);
        assert.notEqual(whole.kind, 'incomplete');
        for (let split = 0; split < buf.length; split++) {
          const partial = parseRequestHead(buf, 0, split, LIMITS);
          if (partial.kind !== 'incomplete') assert.deepEqual(partial, whole, `split at ${split}`);
          // The bytes after `end` must never be looked at.
          const copy = Buffer.concat([buf.subarray(0, split), Buffer.from('\x00\n\r', 'latin1')]);
          const bounded = parseRequestHead(copy, 0, split, LIMITS);
          assert.deepEqual(bounded, partial, `bounded split at ${split}`);
        }
      });
    }

    it('gives the same answer at many split points for heads above the rescan threshold', () => {
      const limits: HeadLimits = { maxHeadBytes: 16384, maxHeaderCount: 500, maxTargetBytes: 1024 };
      let fields = 'Host: a\r\n';
      while (fields.length < 5000) fields += 'X-Filler: 0123456789abcdef0123456789abcdef\r\n';
      const samples = [
        `GET /ok HTTP/1.1\r\n${fields}\r\n`,
        `GET /ok HTTP/1.1\r\n${fields}Bad Name: 1\r\n\r\n`,
        `GET /${'t'.repeat(2000)} HTTP/1.1\r\n${fields}\r\n`,
        `GET /ok HTTP/1.1\r\n${fields}\n`,
      ];
      for (const text of samples) {
        const buf = Buffer.from(text, 'latin1');
        const whole = parseRequestHead(buf, 0, buf.length, limits);
        assert.notEqual(whole.kind, 'incomplete');
        for (let split = 0; split < buf.length; split += 37) {
          const partial = parseRequestHead(buf, 0, split, limits);
          if (partial.kind !== 'incomplete') assert.deepEqual(partial, whole, `split at ${split}`);
        }
      }
    });

    it('parses pipelined heads from one buffer with correct offsets', () => {
      const a = 'GET /one HTTP/1.1\r\nHost: a\r\n\r\n';
      const b = 'POST /two HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello';
      const c = 'GET /three HTTP/1.1\r\nHost: a\r\n\r\n';
      const buf = Buffer.from(a + b + c, 'latin1');
      const paths: string[] = [];
      let offset = 0;
      while (offset < buf.length) {
        const r = parseRequestHead(buf, offset, buf.length, LIMITS);
        assert.equal(r.kind, 'head');
        if (r.kind !== 'head') return;
        paths.push(r.head.path);
        offset += r.consumed;
        if (r.head.framing.kind === 'length') offset += r.head.framing.length;
      }
      assert.deepEqual(paths, ['/one', '/two', '/three']);
      assert.equal(offset, buf.length);
    });

    it('measures maxHeadBytes from start, not from the buffer origin', () => {
      const filler = 'x'.repeat(200);
      const text = 'GET / HTTP/1.1\r\nHost: a\r\n\r\n';
      const buf = Buffer.from(filler + text, 'latin1');
      const r = parseRequestHead(buf, filler.length, buf.length, { maxHeadBytes: text.length, maxHeaderCount: 5, maxTargetBytes: 10 });
      assert.equal(r.kind, 'head');
      if (r.kind === 'head') assert.equal(r.consumed, text.length);
    });
  });
});

function pick(r: RequestHeadResult): [number, string] | string {
  return r.kind === 'error' ? [r.status, r.code] : r.kind;
}
