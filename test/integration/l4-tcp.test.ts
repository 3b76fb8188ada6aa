// tcp listeners: exact bytes both ways, backpressure, half-close, timeouts, SNI passthrough and source CIDR routing.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import tls from 'node:tls';
import { ConnClosed, ConnOpened, type MessageOf } from '@switchyard/core';
import { Closers } from '../helpers/closers.js';
import { type OriginConnection, closedPort, collect, connectTcp, exchange, startTcpOrigin, startTlsOrigin, waitFor } from '../helpers/l4-origins.js';
import { startProxy, type RouteInput } from '../helpers/start-proxy.js';
import { makeCertificate, type TestCertificate } from '../helpers/test-certificates.js';

type Closed = MessageOf<typeof ConnClosed>;
type Opened = MessageOf<typeof ConnOpened>;

function tcpListener(name = 'tcp', extra: Record<string, unknown> = {}): { name: string; protocol: 'tcp'; address: string } {
  return { name, protocol: 'tcp', address: '127.0.0.1:0', ...extra };
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

describe('tcp listener', () => {
  const closers = new Closers();
  afterEach(() => closers.closeAll());

  async function proxyTo(addresses: string[], options: { routes?: RouteInput[]; server?: Record<string, unknown>; upstream?: Record<string, unknown> } = {}) {
    const proxy = await startProxy(
      {
        listeners: [tcpListener()],
        routes: options.routes ?? [{ name: 'all', listeners: ['tcp'], forward: { upstream: 'app' } }],
        upstreams: [{ name: 'app', targets: addresses.map((address) => ({ address })), ...options.upstream }],
        ...(options.server === undefined ? {} : { server: options.server }),
      },
      closers,
    );
    const opened: Opened[] = [];
    const closed: Closed[] = [];
    const subs = [proxy.node.bus.on(ConnOpened).subscribe((m) => opened.push(m)), proxy.node.bus.on(ConnClosed).subscribe((m) => closed.push(m))];
    closers.add(() => subs.forEach((s) => s.unsubscribe()));
    return { proxy, port: proxy.port, opened, closed };
  }

  it('relays exact bytes both ways and reports them in conn.opened / conn.closed', async () => {
    const origin = await startTcpOrigin(closers);
    const { port, opened, closed } = await proxyTo([origin.address]);
    const payload = Buffer.from([0x00, 0xff, 0x0d, 0x0a, 0x50, 0x52, 0x4f, 0x58, 0x59, 0x20, 0x16, 0x03, 0x01, 0x80, 0x7f]);
    const result = await exchange(port, payload);
    assert.deepEqual(result.bytes, payload);
    assert.ok(result.hadEnd);
    assert.deepEqual(origin.connections[0]?.bytes, payload);
    await waitFor(() => closed.length === 1, 2000, 'conn.closed');
    assert.equal(opened[0]?.listener, 'tcp');
    assert.equal(opened[0]?.clientAddress, '127.0.0.1');
    const event = closed[0] as Closed;
    assert.equal(event.connId, opened[0]?.connId);
    assert.equal(event.bytesIn, payload.length);
    assert.equal(event.bytesOut, payload.length);
    assert.equal(event.cause, 'client-closed');
    assert.ok(event.durationMs >= 0);
  });

  it('moves 10 MB each way with backpressure, byte for byte (sha256)', async function () {
    this.timeout(30_000);
    const origin = await startTcpOrigin(closers);
    const { port, proxy } = await proxyTo([origin.address]);
    const sent = randomBytes(10 * 1024 * 1024);
    const socket = await connectTcp(port);
    const done = collect(socket);
    // Written in pieces so the proxy's pause/resume is exercised against a slow-reading client.
    for (let at = 0; at < sent.length; at += 256 * 1024) {
      if (!socket.write(sent.subarray(at, at + 256 * 1024))) await new Promise((resolve) => socket.once('drain', resolve));
    }
    socket.end();
    const result = await done;
    assert.equal(result.bytes.length, sent.length);
    assert.equal(sha256(result.bytes), sha256(sent));
    assert.equal(sha256(origin.connections[0]?.bytes ?? Buffer.alloc(0)), sha256(sent));
    const counters = proxy.node.counters()['tcp'];
    assert.equal(counters?.bytesIn, sent.length);
    assert.equal(counters?.bytesOut, sent.length);
  });

  it('pushes back on the origin while the client does not read, instead of buffering in the proxy', async () => {
    const sent = randomBytes(16 * 1024 * 1024);
    const origin = await startTcpOrigin(closers, { onData: () => undefined });
    const { port } = await proxyTo([origin.address]);
    const socket = await connectTcp(port);
    socket.pause();
    await waitFor(() => origin.connections.length === 1, 2000, 'the origin connection');
    const upstream = (origin.connections[0] as OriginConnection).socket;
    upstream.end(sent);
    await new Promise((resolve) => setTimeout(resolve, 300));
    // Socket buffers on the way hold a few MB at most; the rest must still wait at the origin.
    assert.ok(upstream.writableLength > 4 * 1024 * 1024, `origin still holds ${upstream.writableLength} bytes`);
    const done = collect(socket);
    socket.resume();
    const result = await done;
    assert.equal(sha256(result.bytes), sha256(sent));
  });

  it('passes a half-close on: the client ends, and still gets the data the origin sends afterwards', async () => {
    const origin = await startTcpOrigin(closers, {
      onData: () => undefined,
      onEnd: (conn) => {
        setTimeout(() => {
          conn.socket.write('first part after your FIN, ');
          setTimeout(() => conn.socket.end('and the rest.'), 50);
        }, 100);
      },
    });
    const { port } = await proxyTo([origin.address]);
    const result = await exchange(port, 'request then FIN');
    assert.equal(result.bytes.toString(), 'first part after your FIN, and the rest.');
    assert.ok(result.hadEnd);
    assert.equal(origin.connections[0]?.bytes.toString(), 'request then FIN');
  });

  it('passes a half-close from the origin on, and keeps the client → origin direction open', async () => {
    // A server-speaks-first origin that says its piece and ends its side at once.
    const origin = await startTcpOrigin(closers, { onData: () => undefined });
    const { port } = await proxyTo([origin.address]);
    const socket = await connectTcp(port);
    const done = collect(socket, true);
    await waitFor(() => origin.connections.length === 1, 2000, 'the origin connection');
    origin.connections[0]?.socket.end('bye');
    await new Promise<void>((resolve) => socket.once('end', () => resolve()));
    socket.write('still talking');
    await waitFor(() => origin.connections[0]?.bytes.toString() === 'still talking', 2000, 'origin to receive after its FIN');
    socket.end();
    const result = await done;
    assert.equal(result.bytes.toString(), 'bye');
  });

  it('closes a connection silent for tcpIdle in both directions', async () => {
    const origin = await startTcpOrigin(closers);
    const { port, closed } = await proxyTo([origin.address], { server: { timeouts: { tcpIdle: '300ms' } } });
    const socket = await connectTcp(port);
    const done = collect(socket);
    socket.write('ping');
    const result = await done;
    assert.equal(result.bytes.toString(), 'ping');
    assert.ok(result.ms >= 280 && result.ms < 2000, `closed after ${result.ms} ms`);
    await waitFor(() => closed.length === 1, 2000, 'conn.closed');
    assert.equal(closed[0]?.cause, 'idle-timeout');
    await waitFor(() => origin.connections[0]?.isClosed === true, 2000, 'origin side closed');
  });

  it('keeps a connection that talks more often than tcpIdle', async () => {
    const origin = await startTcpOrigin(closers);
    const { port } = await proxyTo([origin.address], { server: { timeouts: { tcpIdle: '300ms' } } });
    const socket = await connectTcp(port);
    const done = collect(socket);
    for (let i = 0; i < 8; i++) {
      socket.write(`${i}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.ok(!socket.destroyed && socket.readyState === 'open');
    socket.end();
    assert.equal((await done).bytes.toString(), '01234567');
  });

  it('closes the client when the target refuses the connection', async () => {
    const port0 = await closedPort();
    const { port, closed } = await proxyTo([`127.0.0.1:${port0}`], { upstream: { retries: 0 } });
    const socket = await connectTcp(port);
    const result = await collect(socket);
    assert.equal(result.bytes.length, 0);
    assert.ok(result.ms < 2000);
    await waitFor(() => closed.length === 1, 2000, 'conn.closed');
    assert.equal(closed[0]?.cause, 'upstream-error');
  });

  it('tries another target when a connect is refused', async () => {
    const port0 = await closedPort();
    const origin = await startTcpOrigin(closers);
    const { port } = await proxyTo([`127.0.0.1:${port0}`, origin.address]);
    for (let i = 0; i < 4; i++) assert.equal((await exchange(port, `try ${i}`)).bytes.toString(), `try ${i}`);
  });

  it('closes a connection whose target does not finish connecting within the upstream connect timeout', async () => {
    // A TLS upstream whose target accepts TCP and never answers the ClientHello: the connect (TCP
    // and TLS, as for HTTP upstreams) never completes. A blackholed address is no use in a sandbox
    // whose network may accept any SYN.
    const silent = await startTcpOrigin(closers, { onData: () => undefined });
    const { port, closed } = await proxyTo([silent.address], { upstream: { retries: 0, tls: { verify: false }, timeouts: { connect: '200ms' } } });
    const socket = await connectTcp(port);
    const result = await collect(socket);
    assert.ok(result.ms >= 180 && result.ms < 1500, `closed after ${result.ms} ms`);
    await waitFor(() => closed.length === 1, 2000, 'conn.closed');
    assert.equal(closed[0]?.cause, 'upstream-error');
    await waitFor(() => silent.connections[0]?.isClosed === true, 2000, 'the half-made upstream connection closed');
  });

  it('connects a new socket per client connection, round robin over the targets', async () => {
    const a = await startTcpOrigin(closers);
    const b = await startTcpOrigin(closers);
    const { port } = await proxyTo([a.address, b.address]);
    for (let i = 0; i < 4; i++) await exchange(port, `c${i}`);
    assert.deepEqual(
      a.connections.map((c) => c.bytes.toString()),
      ['c0', 'c2'],
    );
    assert.deepEqual(
      b.connections.map((c) => c.bytes.toString()),
      ['c1', 'c3'],
    );
  });

  it('closes a connection no route applies to', async () => {
    const origin = await startTcpOrigin(closers);
    const { port, closed } = await proxyTo([origin.address], { routes: [{ name: 'cidr', listeners: ['tcp'], match: { sourceCidr: '10.0.0.0/8' }, forward: { upstream: 'app' } }] });
    const result = await exchange(port, 'hello');
    assert.equal(result.bytes.length, 0);
    await waitFor(() => closed.length === 1, 2000, 'conn.closed');
    assert.equal(closed[0]?.cause, 'no-route');
    assert.equal(origin.connections.length, 0);
  });

  it('routes by source CIDR', async () => {
    const a = await startTcpOrigin(closers, { onData: (conn, chunk) => conn.socket.write(`A:${chunk.toString()}`) });
    const b = await startTcpOrigin(closers, { onData: (conn, chunk) => conn.socket.write(`B:${chunk.toString()}`) });
    const proxy = await startProxy(
      {
        listeners: [tcpListener()],
        routes: [
          { name: 'two', priority: 10, listeners: ['tcp'], match: { sourceCidr: '127.0.0.2/32' }, forward: { upstream: 'b' } },
          { name: 'rest', priority: 20, listeners: ['tcp'], forward: { upstream: 'a' } },
        ],
        upstreams: [
          { name: 'a', targets: [{ address: a.address }] },
          { name: 'b', targets: [{ address: b.address }] },
        ],
      },
      closers,
    );
    assert.equal((await exchange(proxy.port, 'x', '127.0.0.1')).bytes.toString(), 'A:x');
    assert.equal((await exchange(proxy.port, 'y', '127.0.0.2')).bytes.toString(), 'B:y');
  });

  describe('SNI passthrough', () => {
    let certA: TestCertificate;
    let certB: TestCertificate;
    before(() => {
      certA = makeCertificate('a.test');
      certB = makeCertificate('b.test');
    });
    after(() => {
      certA.remove();
      certB.remove();
    });

    async function sniProxy(): Promise<number> {
      const a = await startTlsOrigin('A', certA, closers);
      const b = await startTlsOrigin('B', certB, closers);
      const fallback = await startTcpOrigin(closers, { onData: (conn, chunk) => conn.socket.write(`F:${chunk.toString()}`) });
      const proxy = await startProxy(
        {
          listeners: [tcpListener()],
          routes: [
            { name: 'a', listeners: ['tcp'], match: { host: 'a.test' }, forward: { upstream: 'a' } },
            { name: 'b', listeners: ['tcp'], match: { host: '*.b.test' }, forward: { upstream: 'b' } },
            { name: 'b-apex', listeners: ['tcp'], match: { host: 'b.test' }, forward: { upstream: 'b' } },
            { name: 'other', priority: 5000, listeners: ['tcp'], forward: { upstream: 'fallback' } },
          ],
          upstreams: [
            { name: 'a', targets: [{ address: a.address }] },
            { name: 'b', targets: [{ address: b.address }] },
            { name: 'fallback', targets: [{ address: fallback.address }] },
          ],
          // Short, so the plain-text case below does not wait long for a ClientHello that never comes.
          server: { timeouts: { requestHead: '300ms' } },
        },
        closers,
      );
      return proxy.port;
    }

    function tlsExchange(port: number, servername: string, ca: Buffer): Promise<{ reply: string; cn: string }> {
      return new Promise((resolve, reject) => {
        const socket = tls.connect({ host: '127.0.0.1', port, servername, ca }, () => {
          const cn = String(socket.getPeerCertificate().subject?.CN ?? '');
          socket.once('data', (data: Buffer) => {
            resolve({ reply: data.toString(), cn });
            socket.end();
          });
          socket.write('hello');
        });
        socket.on('error', reject);
      });
    }

    it('sends a.test to origin A and b.test to origin B without decrypting (each origin presents its own certificate)', async () => {
      const port = await sniProxy();
      assert.deepEqual(await tlsExchange(port, 'a.test', certA.cert), { reply: 'A:hello', cn: 'a.test' });
      assert.deepEqual(await tlsExchange(port, 'b.test', certB.cert), { reply: 'B:hello', cn: 'b.test' });
      assert.deepEqual(await tlsExchange(port, 'A.TEST', certA.cert), { reply: 'A:hello', cn: 'a.test' });
    });

    it('routes a connection without a ClientHello (plain text, or silence) by the routes without a host', async () => {
      const port = await sniProxy();
      assert.equal((await exchange(port, 'GET / HTTP/1.1\r\n\r\n')).bytes.toString(), 'F:GET / HTTP/1.1\r\n\r\n');
      // A server-speaks-first client says nothing: after the first-bytes timeout it is routed anyway.
      const socket = await connectTcp(port);
      const done = collect(socket);
      await new Promise((resolve) => setTimeout(resolve, 500));
      socket.end('late');
      assert.equal((await done).bytes.toString(), 'F:late');
    });
  });
});
