import assert from 'node:assert/strict';
import { parseResponseHead, type ResponseHead, type ResponseHeadLimits, type ResponseHeadResult } from '../../src/http/response-head-parser.js';

const LIMITS: ResponseHeadLimits = { maxHeadBytes: 8192, maxHeaderCount: 50 };

function parse(text: string, method = 'GET', limits: ResponseHeadLimits = LIMITS): ResponseHeadResult {
  const buf = Buffer.from(text, 'latin1');
  return parseResponseHead(buf, 0, buf.length, limits, method);
}

function head(text: string, method = 'GET'): ResponseHead {
  const r = parse(text, method);
  if (r.kind !== 'head') assert.fail(`expected a head, got ${JSON.stringify(r)}`);
  return r.head;
}

function code(r: ResponseHeadResult): string {
  return r.kind === 'error' ? r.code : r.kind;
}

describe('parseResponseHead', () => {
  it('parses a status line, fields and framing into the model', () => {
    const text = 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\nX-A:  b \r\n\r\nhello';
    const r = parse(text);
    assert.equal(r.kind, 'head');
    if (r.kind !== 'head') return;
    assert.equal(r.consumed, text.length - 5);
    assert.deepEqual(r.head, {
      status: 200,
      reason: 'OK',
      versionMinor: 1,
      headers: ['Content-Type', 'text/plain', 'Content-Length', '5', 'X-A', 'b'],
      framing: { kind: 'length', length: 5 },
      contentLength: 5,
      keepAlive: true,
      connectionTokens: [],
      upgrade: null,
    });
  });

  it('accepts an empty reason, with or without its SP', () => {
    assert.equal(head('HTTP/1.1 204 \r\n\r\n').reason, '');
    assert.equal(head('HTTP/1.1 204\r\n\r\n').reason, '');
    assert.equal(head('HTTP/1.1 599 Any Reason\twith tab\r\nContent-Length: 0\r\n\r\n').reason, 'Any Reason\twith tab');
  });

  describe('framing (RFC 9112 §6.3)', () => {
    const cases: [string, string, string, unknown][] = [
      ['HEAD answer with a length', 'HEAD', 'HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n', { kind: 'none' }],
      ['HEAD answer chunked', 'HEAD', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n', { kind: 'none' }],
      ['100 Continue', 'GET', 'HTTP/1.1 100 Continue\r\n\r\n', { kind: 'none' }],
      ['103 Early Hints', 'GET', 'HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n', { kind: 'none' }],
      ['101 Switching Protocols', 'GET', 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: upgrade\r\n\r\n', { kind: 'none' }],
      ['204', 'GET', 'HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n', { kind: 'none' }],
      ['304', 'GET', 'HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n', { kind: 'none' }],
      ['2xx to CONNECT', 'CONNECT', 'HTTP/1.1 200 Connection Established\r\n\r\n', { kind: 'tunnel' }],
      ['4xx to CONNECT', 'CONNECT', 'HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n', { kind: 'length', length: 0 }],
      ['chunked', 'GET', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\n\r\n', { kind: 'chunked' }],
      ['length', 'POST', 'HTTP/1.1 201 Created\r\nContent-Length: 7, 7\r\n\r\n', { kind: 'length', length: 7 }],
      ['neither', 'GET', 'HTTP/1.1 200 OK\r\n\r\n', { kind: 'until-close' }],
      ['neither on 1.0', 'GET', 'HTTP/1.0 200 OK\r\n\r\n', { kind: 'until-close' }],
    ];
    for (const [name, method, text, framing] of cases) {
      it(`frames ${name} as ${JSON.stringify(framing)}`, () => {
        assert.deepEqual(head(text, method).framing, framing);
      });
    }

    it('keeps the Content-Length of a HEAD or 304 answer as metadata', () => {
      assert.equal(head('HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n', 'HEAD').contentLength, 50);
      assert.equal(head('HTTP/1.1 304 Not Modified\r\n\r\n').contentLength, -1);
    });
  });

  describe('keep-alive', () => {
    it('follows the version and Connection', () => {
      assert.equal(head('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n').keepAlive, true);
      assert.equal(head('HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n').keepAlive, false);
      assert.equal(head('HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n').keepAlive, false);
      assert.equal(head('HTTP/1.0 200 OK\r\nContent-Length: 0\r\nConnection: Keep-Alive\r\n\r\n').keepAlive, true);
    });

    it('is false for a close-delimited body and a tunnel', () => {
      assert.equal(head('HTTP/1.1 200 OK\r\n\r\n').keepAlive, false);
      assert.equal(head('HTTP/1.1 200 OK\r\n\r\n', 'CONNECT').keepAlive, false);
    });

    it('reports Connection tokens and Upgrade', () => {
      const h = head('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade, X-Trace\r\nUpgrade: websocket\r\n\r\n');
      assert.deepEqual(h.connectionTokens, ['upgrade', 'x-trace']);
      assert.equal(h.upgrade, 'websocket');
    });
  });

  describe('rejections', () => {
    const cases: [string, string, string, string?][] = [
      ['HTTP/2', 'HTTP/2.0 200 OK\r\n\r\n', 'ERR_HTTP_VERSION'],
      ['HTTP/1.2', 'HTTP/1.2 200 OK\r\n\r\n', 'ERR_HTTP_VERSION'],
      ['lower-case version', 'http/1.1 200 OK\r\n\r\n', 'ERR_HTTP_BAD_STATUS_LINE'],
      ['two-digit status', 'HTTP/1.1 20 OK\r\n\r\n', 'ERR_HTTP_BAD_STATUS_LINE'],
      ['four-digit status', 'HTTP/1.1 2000 OK\r\n\r\n', 'ERR_HTTP_BAD_STATUS_LINE'],
      ['status 099', 'HTTP/1.1 099 X\r\n\r\n', 'ERR_HTTP_BAD_STATUS_LINE'],
      ['status 600', 'HTTP/1.1 600 X\r\n\r\n', 'ERR_HTTP_BAD_STATUS_LINE'],
      ['double space', 'HTTP/1.1  200 OK\r\n\r\n', 'ERR_HTTP_BAD_STATUS_LINE'],
      ['CTL in reason', 'HTTP/1.1 200 O\x01K\r\n\r\n', 'ERR_HTTP_BAD_STATUS_LINE'],
      ['bare LF in status line', 'HTTP/1.1 200 OK\nA: b\r\n\r\n', 'ERR_HTTP_BARE_LF'],
      ['bare CR in status line', 'HTTP/1.1 200 OK\rA: b\r\n\r\n', 'ERR_HTTP_BARE_CR'],
      ['bare LF in fields', 'HTTP/1.1 200 OK\r\nA: b\n\r\n', 'ERR_HTTP_BARE_LF'],
      ['obs-fold', 'HTTP/1.1 200 OK\r\nA: b\r\n c\r\n\r\n', 'ERR_HTTP_OBS_FOLD'],
      ['space before colon', 'HTTP/1.1 200 OK\r\nContent-Length : 5\r\n\r\n', 'ERR_HTTP_SPACE_BEFORE_COLON'],
      ['NUL in value', 'HTTP/1.1 200 OK\r\nA: \x00\r\n\r\n', 'ERR_HTTP_HEADER_VALUE'],
      ['bad name', 'HTTP/1.1 200 OK\r\n@: x\r\n\r\n', 'ERR_HTTP_HEADER_NAME'],
      ['CL and TE', 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n', 'ERR_HTTP_CL_AND_TE'],
      ['CL and TE on HEAD', 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n', 'ERR_HTTP_CL_AND_TE', 'HEAD'],
      ['CL invalid', 'HTTP/1.1 200 OK\r\nContent-Length: 5a\r\n\r\n', 'ERR_HTTP_CL_INVALID'],
      ['CL conflict', 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 4\r\n\r\n', 'ERR_HTTP_CL_CONFLICT'],
      ['TE gzip (close-delimited coding we cannot forward)', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n', 'ERR_HTTP_TE_NOT_CHUNKED'],
      ['TE gzip, chunked', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n', 'ERR_HTTP_TE_UNKNOWN'],
      ['TE chunked twice', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n', 'ERR_HTTP_TE_CHUNKED_TWICE'],
      ['TE on HTTP/1.0', 'HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n', 'ERR_HTTP_TE_HTTP10'],
    ];
    for (const [name, text, expected, method] of cases) {
      it(`refuses ${name} with ${expected}`, () => {
        assert.equal(code(parse(text, method ?? 'GET')), expected);
      });
    }

    it('refuses a head over maxHeadBytes or maxHeaderCount', () => {
      const limits: ResponseHeadLimits = { maxHeadBytes: 40, maxHeaderCount: 2 };
      assert.equal(code(parse(`HTTP/1.1 200 OK\r\nX: ${'a'.repeat(40)}`, 'GET', limits)), 'ERR_HTTP_HEAD_TOO_LARGE');
      assert.equal(code(parse('HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n', 'GET', limits)), 'ERR_HTTP_TOO_MANY_HEADERS');
    });
  });

  it('gives the same answer at every split point', () => {
    const samples = [
      'HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: keep-alive\r\n\r\nabc',
      'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n',
      'HTTP/1.1 200\r\n\r\n',
      'HTTP/1.1 200 OK\r\nA: b\rc\r\n\r\n',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 1\r\n\r\n',
    ];
    for (const text of samples) {
      const buf = Buffer.from(text, 'latin1');
      const whole = parseResponseHead(buf, 0, buf.length, LIMITS, 'GET');
      for (let split = 0; split < buf.length; split++) {
        const partial = parseResponseHead(buf, 0, split, LIMITS, 'GET');
        if (partial.kind !== 'incomplete') assert.deepEqual(partial, whole, `${JSON.stringify(text)} split at ${split}`);
      }
    }
  });

  it('parses an interim response and then the final one from the same buffer', () => {
    const buf = Buffer.from('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok', 'latin1');
    const first = parseResponseHead(buf, 0, buf.length, LIMITS, 'POST');
    assert.ok(first.kind === 'head' && first.head.status === 100);
    if (first.kind !== 'head') return;
    const second = parseResponseHead(buf, first.consumed, buf.length, LIMITS, 'POST');
    assert.ok(second.kind === 'head' && second.head.status === 200);
    if (second.kind === 'head') assert.equal(first.consumed + second.consumed, buf.length - 2);
  });
});
