// Timeouts end to end: slow origins, slow clients, idle keep-alive, refused connections, route budgets.
import assert from 'node:assert/strict';
import { ProxyErrorResponse, type MessageOf } from '@switchyard/core';
import { Closers } from '../helpers/closers.js';
import { freePort } from '../helpers/free-port.js';
import { connectRaw, header, rawExchange } from '../helpers/raw-client.js';
import { NEVER, okResponse, startRecordingOrigin } from '../helpers/recording-origin.js';
import { startProxy, upstream, type StartedProxy } from '../helpers/start-proxy.js';

type Failure = MessageOf<typeof ProxyErrorResponse>;

/** Collects `request.failed` events of a node. */
function failures(proxy: StartedProxy, closers: Closers): Failure[] {
  const seen: Failure[] = [];
  const sub = proxy.node.bus.subscribe(ProxyErrorResponse, (m) => seen.push(m));
  closers.add(() => sub.unsubscribe());
  return seen;
}

describe('proxy timeouts (integration)', () => {
  const closers = new Closers();
  afterEach(() => closers.closeAll());

  it('answers 504 when the origin sends no response head within timeouts.responseHead', async () => {
    const origin = await startRecordingOrigin(NEVER, closers);
    const proxy = await startProxy(
      { routes: [{ name: 'all', forward: { upstream: 'slow' } }], upstreams: [upstream('slow', [origin.address], { timeouts: { responseHead: '300ms' } })] },
      closers,
    );
    const failed = failures(proxy, closers);
    const started = Date.now();
    const ex = await rawExchange(proxy.port, 'GET / HTTP/1.1\r\nHost: a.test\r\n\r\n', closers, { timeoutMs: 5000 });
    const elapsed = Date.now() - started;
    assert.equal(ex.status, 504, ex.text);
    assert.ok(elapsed >= 280 && elapsed < 2000, `answered after ${elapsed} ms`);
    assert.equal(failed[0]?.termination, 'upstream-timeout');
    await origin.waitFor(() => origin.connections[0]?.isClosed === true, 'the timed-out upstream connection to be closed');
  });

  it('answers 408 and closes when a client never finishes its head within timeouts.requestHead', async () => {
    const proxy = await startProxy({ server: { timeouts: { requestHead: '300ms' } }, routes: [{ name: 'all', respond: { body: 'hi' } }] }, closers);
    const started = Date.now();
    const ex = await rawExchange(proxy.port, 'GET / HTTP/1.1\r\nHost: a.te', closers, { timeoutMs: 5000 });
    const elapsed = Date.now() - started;
    assert.equal(ex.status, 408, ex.text);
    assert.ok(ex.isClosed);
    assert.ok(elapsed >= 280 && elapsed < 2000, `answered after ${elapsed} ms`);
  });

  it('counts requestHead from the first byte, so trickling a head does not extend it', async () => {
    const proxy = await startProxy({ server: { timeouts: { requestHead: '400ms' } }, routes: [{ name: 'all', respond: { body: 'hi' } }] }, closers);
    const started = Date.now();
    const trickle = 'GET / HTTP/1.1\r\nHost: a.test\r\nX-Slow: 1234567890'.split('');
    const ex = await rawExchange(proxy.port, trickle, closers, { timeoutMs: 5000, gapMs: 50 });
    const elapsed = Date.now() - started;
    assert.equal(ex.status, 408, ex.text);
    assert.ok(elapsed < 1500, `answered after ${elapsed} ms`);
  });

  it('closes an idle keep-alive client connection after timeouts.keepAliveIdle, without a response', async () => {
    const proxy = await startProxy({ server: { timeouts: { keepAliveIdle: '300ms' } }, routes: [{ name: 'all', respond: { body: 'hi' } }] }, closers);
    const conn = await connectRaw(proxy.port, closers);
    await conn.write('GET / HTTP/1.1\r\nHost: a.test\r\n\r\n');
    const res = await conn.readResponse();
    assert.equal(res.status, 200);
    assert.equal(header(res, 'connection'), undefined);
    const idleFrom = Date.now();
    const before = conn.received.length;
    assert.equal(await conn.waitClosed(3000), true, 'the proxy closes the idle connection');
    const idle = Date.now() - idleFrom;
    assert.ok(idle >= 250 && idle < 2000, `closed after ${idle} ms`);
    assert.equal(conn.received.length, before, 'an idle close sends no bytes');
  });

  it('keeps a keep-alive connection that is used within keepAliveIdle', async () => {
    const proxy = await startProxy({ server: { timeouts: { keepAliveIdle: '400ms' } }, routes: [{ name: 'all', respond: { body: 'hi' } }] }, closers);
    const conn = await connectRaw(proxy.port, closers);
    for (let i = 0; i < 4; i++) {
      await conn.write('GET / HTTP/1.1\r\nHost: a.test\r\n\r\n');
      assert.equal((await conn.readResponse()).status, 200);
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(conn.isClosed, false);
  });

  it('answers 502 when the target refuses the connection', async () => {
    const closedPort = await freePort();
    const proxy = await startProxy({ routes: [{ name: 'all', forward: { upstream: 'gone' } }], upstreams: [upstream('gone', [`127.0.0.1:${closedPort}`])] }, closers);
    const failed = failures(proxy, closers);
    const conn = await connectRaw(proxy.port, closers);
    await conn.write('GET / HTTP/1.1\r\nHost: a.test\r\n\r\n');
    const res = await conn.readResponse();
    assert.equal(res.status, 502);
    assert.equal(failed[0]?.termination, 'upstream-refused');
    assert.equal(failed[0]?.targetAddress, `127.0.0.1:${closedPort}`);
    // Nothing of the request was sent, so the client connection may stay open for the next request.
    await conn.write('GET / HTTP/1.1\r\nHost: a.test\r\n\r\n');
    assert.equal((await conn.readResponse()).status, 502);
  });

  it("answers 504 when the route's total timeout passes before the response head", async () => {
    const origin = await startRecordingOrigin({ kind: 'respond', raw: okResponse('late'), delayMs: 2000 }, closers);
    const proxy = await startProxy({ routes: [{ name: 'budget', timeout: '400ms', forward: { upstream: 'o' } }], upstreams: [upstream('o', [origin.address])] }, closers);
    const failed = failures(proxy, closers);
    const started = Date.now();
    const ex = await rawExchange(proxy.port, 'GET / HTTP/1.1\r\nHost: a.test\r\n\r\n', closers, { timeoutMs: 5000 });
    const elapsed = Date.now() - started;
    assert.equal(ex.status, 504, ex.text);
    assert.ok(elapsed >= 380 && elapsed < 1800, `answered after ${elapsed} ms`);
    assert.equal(failed[0]?.termination, 'route-timeout');
    assert.equal(failed[0]?.route, 'budget');
  });

  it("cuts a response that is still streaming when the route's total timeout passes", async () => {
    // The origin sends the head at once, then one body byte every 100 ms: never idle, never done.
    const origin = await startRecordingOrigin(
      {
        kind: 'custom',
        onHead: (conn, o) => {
          o.write(conn, 'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n');
          let sent = 0;
          const timer = setInterval(() => {
            if (conn.socket.destroyed || ++sent > 100) return clearInterval(timer);
            o.write(conn, 'x');
          }, 100);
          conn.socket.on('close', () => clearInterval(timer));
        },
      },
      closers,
    );
    const proxy = await startProxy({ routes: [{ name: 'budget', timeout: '600ms', forward: { upstream: 'o' } }], upstreams: [upstream('o', [origin.address])] }, closers);
    const failed = failures(proxy, closers);
    const started = Date.now();
    const ex = await rawExchange(proxy.port, 'GET / HTTP/1.1\r\nHost: a.test\r\n\r\n', closers, { timeoutMs: 5000 });
    const elapsed = Date.now() - started;
    assert.equal(ex.status, 200, 'the head was already sent');
    assert.ok(ex.isClosed, 'the client connection is cut');
    assert.ok(elapsed >= 550 && elapsed < 2000, `cut after ${elapsed} ms`);
    const bodyBytes = ex.raw.length - (ex.text.indexOf('\r\n\r\n') + 4);
    assert.ok(bodyBytes < 100, `only part of the body arrived (${bodyBytes} bytes)`);
    assert.equal(failed[0]?.termination, 'route-timeout');
  });
});
