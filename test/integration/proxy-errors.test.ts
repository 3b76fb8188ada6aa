// The proxy's own error answers: short generic bodies, the request id, and a request.failed event saying why.
import assert from 'node:assert/strict';
import { ProxyErrorResponse, RequestCompleted, type MessageOf } from '@switchyard/core';
import { Closers } from '../helpers/closers.js';
import { freePort } from '../helpers/free-port.js';
import { connectRaw, header, type RawResponse } from '../helpers/raw-client.js';
import { NEVER, startRecordingOrigin, type OriginScript } from '../helpers/recording-origin.js';
import { startProxy, upstream, type StartedProxy } from '../helpers/start-proxy.js';

type Failure = MessageOf<typeof ProxyErrorResponse>;
type Completed = MessageOf<typeof RequestCompleted>;

describe('proxy error responses (integration)', () => {
  const closers = new Closers();
  afterEach(() => closers.closeAll());

  interface Observed {
    proxy: StartedProxy;
    failed: Failure[];
    completed: Completed[];
  }

  async function observe(targetAddress: string, targetExtra: Record<string, unknown> = {}, upstreamExtra: Record<string, unknown> = {}): Promise<Observed> {
    const proxy = await startProxy(
      {
        routes: [{ name: 'r', forward: { upstream: 'u' } }],
        upstreams: [{ name: 'u', targets: [{ address: targetAddress, ...targetExtra }], ...upstreamExtra }],
      },
      closers,
    );
    const failed: Failure[] = [];
    const completed: Completed[] = [];
    const subs = [proxy.node.bus.subscribe(ProxyErrorResponse, (m) => failed.push(m)), proxy.node.bus.subscribe(RequestCompleted, (m) => completed.push(m))];
    closers.add(() => subs.forEach((s) => s.unsubscribe()));
    return { proxy, failed, completed };
  }

  async function get(proxy: StartedProxy, requestId?: string): Promise<RawResponse> {
    const conn = await connectRaw(proxy.port, closers);
    await conn.write(`GET /x HTTP/1.1\r\nHost: a.test\r\n${requestId === undefined ? '' : `X-Request-Id: ${requestId}\r\n`}\r\n`);
    return conn.readResponse({ timeoutMs: 5000 });
  }

  /** The body is a short generic status line that names no internal address. */
  function assertShortGeneric(res: RawResponse, status: number, internal: string): void {
    assert.equal(res.status, status);
    const body = res.body.toString();
    assert.ok(body.length > 0 && body.length < 64, `body ${JSON.stringify(body)}`);
    assert.match(body, new RegExp(`^${status} `));
    assert.ok(!body.includes(internal) && !res.headText.includes(internal), `the answer names the internal target ${internal}:\n${res.headText}${body}`);
    assert.equal(header(res, 'content-length'), String(res.body.length));
  }

  async function withOrigin(script: OriginScript, upstreamExtra: Record<string, unknown> = {}): Promise<Observed & { internal: string }> {
    const origin = await startRecordingOrigin(script, closers);
    return { ...(await observe(origin.address, {}, upstreamExtra)), internal: String(origin.port) };
  }

  it('502 for a refused connection: generic body, request id, event upstream-refused', async () => {
    const port = await freePort();
    const { proxy, failed, completed } = await observe(`127.0.0.1:${port}`);
    const res = await get(proxy);
    assertShortGeneric(res, 502, String(port));
    const id = header(res, 'x-request-id');
    assert.ok(id !== undefined && id.length > 0);
    assert.deepEqual(
      failed.map((f) => [f.requestId, f.status, f.termination, f.route, f.targetAddress]),
      [[id, 502, 'upstream-refused', 'r', `127.0.0.1:${port}`]],
    );
    assert.match(failed[0]?.reason ?? '', /ECONNREFUSED/);
    assert.equal(completed[0]?.termination, 'upstream-refused');
    assert.equal(completed[0]?.status, 502);
  });

  it('502 for a connection the origin closes without answering: event upstream-reset', async () => {
    const { proxy, failed, internal } = await withOrigin({ kind: 'custom', onHead: (conn) => conn.socket.end() });
    const res = await get(proxy, 'given-id-1');
    assertShortGeneric(res, 502, internal);
    assert.equal(header(res, 'x-request-id'), 'given-id-1');
    assert.deepEqual(
      failed.map((f) => [f.requestId, f.status, f.termination]),
      [['given-id-1', 502, 'upstream-reset']],
    );
  });

  it('502 for a malformed response head: event upstream-bad-response', async () => {
    const { proxy, failed, internal } = await withOrigin({ kind: 'respond', raw: 'HTTP/1.1 200 OK\r\nBad Field: x\r\nContent-Length: 2\r\n\r\nok' });
    const res = await get(proxy);
    assertShortGeneric(res, 502, internal);
    assert.equal(failed[0]?.termination, 'upstream-bad-response');
    assert.equal(failed[0]?.requestId, header(res, 'x-request-id'));
  });

  it('503 when the upstream has no available target: event no-target', async () => {
    const origin = await startRecordingOrigin(NEVER, closers);
    const { proxy, failed } = await observe(origin.address, { state: 'draining' });
    const res = await get(proxy);
    assertShortGeneric(res, 503, String(origin.port));
    assert.ok(header(res, 'x-request-id') !== undefined);
    assert.equal(failed[0]?.termination, 'no-target');
    assert.equal(origin.connections.length, 0);
  });

  it('504 for an origin that does not answer in time: event upstream-timeout', async () => {
    const { proxy, failed, internal } = await withOrigin(NEVER, { timeouts: { responseHead: '200ms' } });
    const res = await get(proxy, 'slow-1');
    assertShortGeneric(res, 504, internal);
    assert.equal(header(res, 'x-request-id'), 'slow-1');
    assert.deepEqual(
      failed.map((f) => [f.requestId, f.status, f.termination]),
      [['slow-1', 504, 'upstream-timeout']],
    );
    assert.match(failed[0]?.reason ?? '', /200 ms/);
  });

  it('cuts the client connection when the origin closes in the middle of a body: event upstream-reset', async () => {
    const { proxy, failed } = await withOrigin({ kind: 'respond', raw: 'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly ten b', close: true });
    const conn = await connectRaw(proxy.port, closers);
    await conn.write('GET /x HTTP/1.1\r\nHost: a.test\r\n\r\n');
    assert.equal(await conn.waitClosed(), true, 'the client connection is cut, so the client sees a truncated body');
    const text = conn.received.toString('latin1');
    assert.match(text, /^HTTP\/1\.1 200 OK\r\n/);
    assert.ok(text.endsWith('\r\n\r\nonly ten b'), text);
    assert.deepEqual(
      failed.map((f) => [f.status, f.termination]),
      [[200, 'upstream-reset']],
    );
  });

  it('announces Connection: close when it closes after an error on a request whose body it did not read', async () => {
    const port = await freePort();
    const { proxy } = await observe(`127.0.0.1:${port}`);
    const conn = await connectRaw(proxy.port, closers);
    await conn.write('POST /x HTTP/1.1\r\nHost: a.test\r\nContent-Length: 5\r\n\r\nhello');
    const res = await conn.readResponse();
    assert.equal(res.status, 502);
    assert.equal(header(res, 'connection'), 'close');
    assert.equal(await conn.waitClosed(), true);
  });

  it('publishes bad-request with the parser reason for a malformed request', async () => {
    const proxy = await startProxy({ routes: [{ name: 'r', respond: { body: 'x' } }] }, closers);
    const failed: Failure[] = [];
    const sub = proxy.node.bus.subscribe(ProxyErrorResponse, (m) => failed.push(m));
    closers.add(() => sub.unsubscribe());
    const conn = await connectRaw(proxy.port, closers);
    await conn.write('GET / HTTP/1.1\r\nHost: a.test\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n');
    const res = await conn.readResponse();
    assert.equal(res.status, 400);
    assert.equal(header(res, 'connection'), 'close');
    assert.equal(failed[0]?.termination, 'bad-request');
    assert.match(failed[0]?.reason ?? '', /Content-Length/);
  });
});
