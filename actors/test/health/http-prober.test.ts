import assert from 'node:assert/strict';
import { HttpProber, type HttpProbeOptions } from '../../src/health/index.js';
import { Closers, closedPort, startHttpOrigin, startRawServer } from './socket-fixtures.js';

const at = (port: number) => ({ address: `127.0.0.1:${port}`, host: '127.0.0.1', port });
const options = (extra: Partial<HttpProbeOptions> = {}): HttpProbeOptions => ({ method: 'GET', path: '/healthz', expectStatus: ['200-399'], ...extra });

function response(status: string, body: string, headers = `Content-Length: ${Buffer.byteLength(body)}\r\n`): string {
  return `HTTP/1.1 ${status}\r\n${headers}\r\n${body}`;
}

describe('health http prober (real sockets)', () => {
  const closers = new Closers();
  afterEach(() => closers.closeAll());

  it('sends exactly the minimal request and passes on an expected status', async () => {
    const origin = await startHttpOrigin(closers, response('200 OK', 'ok'));
    const result = await new HttpProber(options()).probe(at(origin.port), 1000);
    assert.deepEqual([result.ok, result.reason, result.status], [true, 'status 200', 200]);
    assert.equal(origin.received[0], `GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:${origin.port}\r\nUser-Agent: switchyard-health\r\n\r\n`);
  });

  it('uses the configured method and Host', async () => {
    const origin = await startHttpOrigin(closers, 'HTTP/1.1 204 No Content\r\n\r\n');
    const result = await new HttpProber(options({ method: 'HEAD', host: 'health.internal', path: '/ping?deep=1' })).probe(at(origin.port), 1000);
    assert.equal(result.ok, true);
    assert.match(origin.received[0] ?? '', /^HEAD \/ping\?deep=1 HTTP\/1\.1\r\nHost: health\.internal\r\n/);
  });

  it('fails with the error code when the connection is refused', async () => {
    const result = await new HttpProber(options()).probe(at(await closedPort()), 1000);
    assert.deepEqual([result.ok, result.reason, result.status], [false, 'connect ECONNREFUSED', undefined]);
  });

  it('fails at the timeout when the origin accepts but never answers', async () => {
    const origin = await startRawServer(closers, () => undefined);
    const started = performance.now();
    const result = await new HttpProber(options()).probe(at(origin.port), 300);
    assert.deepEqual([result.ok, result.reason], [false, 'timeout after 300 ms']);
    assert.ok(performance.now() - started >= 290);
  });

  it('fails at the timeout when the body it needs never ends', async () => {
    const origin = await startRawServer(closers, (socket) => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nnot yet'));
    const result = await new HttpProber(options({ expectBody: 'ready' })).probe(at(origin.port), 300);
    assert.deepEqual([result.ok, result.reason, result.status], [false, 'timeout after 300 ms', 200]);
  });

  const statusCases: { name: string; expect: (number | string)[]; status: string; ok: boolean; reason: string }[] = [
    { name: 'a wrong status', expect: ['200-399'], status: '503 Service Unavailable', ok: false, reason: 'status 503 not in 200-399' },
    { name: 'a status at the top of a range', expect: ['200-399'], status: '399 Whatever', ok: true, reason: 'status 399' },
    { name: 'a listed status', expect: [200, '300-302'], status: '302 Found', ok: true, reason: 'status 302' },
    { name: 'a status outside a list', expect: [200, '300-302'], status: '204 No Content', ok: false, reason: 'status 204 not in 200, 300-302' },
    { name: 'a 404 when only 404 is expected', expect: [404], status: '404 Not Found', ok: true, reason: 'status 404' },
  ];
  for (const c of statusCases) {
    it(`judges ${c.name}`, async () => {
      const origin = await startHttpOrigin(closers, response(c.status, ''));
      const result = await new HttpProber(options({ expectStatus: c.expect })).probe(at(origin.port), 1000);
      assert.deepEqual([result.ok, result.reason], [c.ok, c.reason]);
    });
  }

  const bodyCases: { name: string; parts: string[]; ok: boolean; reason: string }[] = [
    { name: 'a Content-Length body that lacks the text', parts: [response('200 OK', '{"status":"starting"}')], ok: false, reason: 'body lacks "ready"' },
    { name: 'a Content-Length body that has it', parts: [response('200 OK', '{"status":"ready"}')], ok: true, reason: 'status 200' },
    {
      name: 'a chunked body with the text split across chunks',
      parts: ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n', '3\r\nrea\r\n', '2\r\ndy\r\n', '0\r\n\r\n'],
      ok: true,
      reason: 'status 200',
    },
    { name: 'a chunked body without it', parts: ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n'], ok: false, reason: 'body lacks "ready"' },
    { name: 'a body delimited by the close', parts: ['HTTP/1.1 200 OK\r\n\r\nall ', 'systems ready'], ok: true, reason: 'status 200' },
    { name: 'a close-delimited body without it', parts: ['HTTP/1.1 200 OK\r\n\r\nnope'], ok: false, reason: 'body lacks "ready"' },
    { name: 'an interim 100 before the final response', parts: ['HTTP/1.1 100 Continue\r\n\r\n', response('200 OK', 'ready')], ok: true, reason: 'status 200' },
    { name: 'a malformed status line', parts: ['HTTP/1.1 2xx OK\r\n\r\n'], ok: false, reason: 'malformed status line "HTTP/1.1 2xx OK"' },
    { name: 'a close before any response', parts: [''], ok: false, reason: 'closed before a response' },
    { name: 'a Content-Length body cut short', parts: ['HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\nshort'], ok: false, reason: 'closed before the body ended' },
  ];
  for (const c of bodyCases) {
    it(`judges ${c.name}`, async () => {
      const origin = await startHttpOrigin(closers, ...c.parts);
      const result = await new HttpProber(options({ expectBody: 'ready' })).probe(at(origin.port), 1000);
      assert.deepEqual([result.ok, result.reason], [c.ok, c.reason]);
    });
  }

  it('reads no more than 64 KiB of body', async () => {
    const filler = 'x'.repeat(70 * 1024);
    const origin = await startHttpOrigin(closers, response('200 OK', `${filler}ready`));
    const result = await new HttpProber(options({ expectBody: 'ready' })).probe(at(origin.port), 2000);
    assert.deepEqual([result.ok, result.reason], [false, 'body lacks "ready" in its first 65536 bytes']);
    const early = await startHttpOrigin(closers, response('200 OK', `${'x'.repeat(60 * 1024)}ready${filler}`));
    assert.equal((await new HttpProber(options({ expectBody: 'ready' })).probe(at(early.port), 2000)).ok, true);
  });

  it('does not wait for the body when no body check is asked', async () => {
    const origin = await startRawServer(closers, (socket) => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\npartial'));
    const result = await new HttpProber(options()).probe(at(origin.port), 1000);
    assert.deepEqual([result.ok, result.reason], [true, 'status 200']);
  });
});
