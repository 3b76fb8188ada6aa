import assert from 'node:assert/strict';
import { parseResponseHead } from '../../src/http/response-head-parser.js';
import { STATIC_ERROR_STATUSES, errorResponse, statusText } from '../../src/http/status-text.js';

describe('status text and error responses', () => {
  it('knows the reason phrases', () => {
    assert.equal(statusText(200), 'OK');
    assert.equal(statusText(431), 'Request Header Fields Too Large');
    assert.equal(statusText(508), 'Loop Detected');
    assert.equal(statusText(299), '');
  });

  for (const status of STATIC_ERROR_STATUSES) {
    it(`builds a complete, closing ${status} response that our own parser accepts`, () => {
      const buf = errorResponse(status);
      const r = parseResponseHead(buf, 0, buf.length, { maxHeadBytes: 4096, maxHeaderCount: 10 }, 'GET');
      assert.ok(r.kind === 'head');
      if (r.kind !== 'head') return;
      assert.equal(r.head.status, status);
      assert.equal(r.head.keepAlive, false);
      assert.deepEqual(r.head.connectionTokens, ['close']);
      assert.equal(r.head.framing.kind, 'length');
      const body = buf.subarray(r.consumed).toString('latin1');
      assert.equal(body, `${status} ${statusText(status)}\n`);
      if (r.head.framing.kind === 'length') assert.equal(r.head.framing.length, body.length);
    });
  }

  it('shares the static buffer when there is no request id', () => {
    assert.equal(errorResponse(502), errorResponse(502));
  });

  it('adds a request id header when given a safe id', () => {
    const text = errorResponse(400, 'req-123_abc').toString('latin1');
    assert.match(text, /\r\nX-Request-Id: req-123_abc\r\n/);
    assert.match(errorResponse(400, 'r1', 'X-Trace').toString('latin1'), /\r\nX-Trace: r1\r\n/);
  });

  it('leaves out an unsafe request id rather than inject it', () => {
    assert.equal(errorResponse(400, 'a\r\nSet-Cookie: x=1'), errorResponse(400));
    assert.equal(errorResponse(400, ''), errorResponse(400));
    assert.equal(errorResponse(400, 'x'.repeat(129)), errorResponse(400));
    assert.equal(errorResponse(400, 'ok', 'Bad Header'), errorResponse(400));
  });

  it('builds responses for other statuses on demand', () => {
    assert.match(errorResponse(404).toString('latin1'), /^HTTP\/1\.1 404 Not Found\r\n/);
  });
});
