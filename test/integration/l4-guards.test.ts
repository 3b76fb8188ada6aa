// Listener guards on every listener kind: allow/deny CIDRs, concurrent connection caps per listener and per source.
import assert from 'node:assert/strict';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import tls from 'node:tls';
import { loadConfig } from '@switchyard/config';
import { Closers } from '../helpers/closers.js';
import { collect, connectTcp, exchange, startTcpOrigin, waitFor, type TcpOrigin } from '../helpers/l4-origins.js';
import { proxyConfig, startProxy, type StartedProxy } from '../helpers/start-proxy.js';
import { makeCertificate } from '../helpers/test-certificates.js';

describe('listener guards', () => {
  const closers = new Closers();
  afterEach(() => closers.closeAll());

  async function tcpProxy(guard: Record<string, unknown>): Promise<{ proxy: StartedProxy; origin: TcpOrigin }> {
    const origin = await startTcpOrigin(closers);
    const proxy = await startProxy(
      {
        listeners: [{ name: 'tcp', protocol: 'tcp', address: '127.0.0.1:0', ...guard }],
        routes: [{ name: 'all', listeners: ['tcp'], forward: { upstream: 'app' } }],
        upstreams: [{ name: 'app', targets: [{ address: origin.address }] }],
      },
      closers,
    );
    return { proxy, origin };
  }

  /** Whether a connection from `localAddress` gets its bytes echoed (false: refused and closed). */
  async function isServed(port: number, localAddress = '127.0.0.1'): Promise<boolean> {
    const result = await exchange(port, 'knock', localAddress);
    return result.bytes.toString() === 'knock';
  }

  it('deny refuses the listed sources and lets the others in', async () => {
    const { proxy, origin } = await tcpProxy({ deny: ['127.0.0.2/32'] });
    assert.equal(await isServed(proxy.port, '127.0.0.2'), false);
    assert.equal(await isServed(proxy.port, '127.0.0.1'), true);
    assert.equal(origin.connections.length, 1, 'the refused connection never reached the origin');
    assert.equal(proxy.node.counters()['tcp']?.connectionsRefused, 1);
  });

  it('allow admits only the listed sources, and deny wins over it', async () => {
    const { proxy } = await tcpProxy({ allow: ['127.0.0.0/24'], deny: ['127.0.0.3'] });
    assert.equal(await isServed(proxy.port, '127.0.0.1'), true);
    assert.equal(await isServed(proxy.port, '127.0.0.3'), false);
    assert.equal(await isServed(proxy.port, '127.0.1.1'), false);
    assert.equal(proxy.node.counters()['tcp']?.connectionsRefused, 2);
  });

  it('maxConnections caps concurrent connections on the listener; a slot frees when one closes', async () => {
    const { proxy, origin } = await tcpProxy({ maxConnections: 2 });
    const first = await connectTcp(proxy.port);
    const second = await connectTcp(proxy.port, '127.0.0.2');
    first.write('1');
    second.write('2');
    await waitFor(() => origin.totalBytes() === 2, 2000, 'two connections through');
    const third = await collect(await connectTcp(proxy.port, '127.0.0.3'));
    assert.equal(third.bytes.length, 0, 'the third is refused');
    const firstDone = collect(first);
    first.end();
    await firstDone;
    await waitFor(() => origin.connections[0]?.isClosed === true, 2000, 'the first to close');
    assert.equal(await isServed(proxy.port, '127.0.0.3'), true, 'a freed slot is reusable');
    second.destroy();
    assert.equal(proxy.node.counters()['tcp']?.connectionsRefused, 1);
  });

  it('maxConnectionsPerSource caps concurrent connections from one address', async () => {
    const { proxy, origin } = await tcpProxy({ maxConnectionsPerSource: 1 });
    const held = await connectTcp(proxy.port, '127.0.0.1');
    held.write('held');
    await waitFor(() => origin.totalBytes() === 4, 2000, 'the first connection through');
    assert.equal(await isServed(proxy.port, '127.0.0.1'), false, 'a second one from the same address is refused');
    assert.equal(await isServed(proxy.port, '127.0.0.2'), true, 'another address is served');
    held.destroy();
    await waitFor(() => origin.connections[0]?.isClosed === true, 2000, 'the held connection to close');
    assert.equal(await isServed(proxy.port, '127.0.0.1'), true);
  });

  it('follows a reload of the lists and caps without rebinding the listener', async () => {
    const { proxy, origin } = await tcpProxy({});
    assert.equal(await isServed(proxy.port, '127.0.0.2'), true);
    const config = loadConfig(
      proxyConfig({
        listeners: [{ name: 'tcp', protocol: 'tcp', address: '127.0.0.1:0', deny: ['127.0.0.2'] }],
        routes: [{ name: 'all', listeners: ['tcp'], forward: { upstream: 'app' } }],
        upstreams: [{ name: 'app', targets: [{ address: origin.address }] }],
      }),
    );
    await proxy.node.apply(config, 'test');
    assert.equal(proxy.node.listeners()[0]?.port, proxy.port, 'same socket');
    assert.equal(await isServed(proxy.port, '127.0.0.2'), false);
    assert.equal(await isServed(proxy.port, '127.0.0.1'), true);
  });

  it('guards https listeners before the handshake', async () => {
    const cert = makeCertificate('guarded.test');
    closers.add(() => cert.remove());
    const proxy = await startProxy(
      {
        listeners: [{ name: 'secure', protocol: 'https', address: '127.0.0.1:0', deny: ['127.0.0.2'], tls: { certificates: [{ cert: cert.certPath, key: cert.keyPath }] } }],
        routes: [{ name: 'all', respond: { status: 200, body: 'fine' } }],
      },
      closers,
    );
    const handshake = (localAddress: string): Promise<string> =>
      new Promise((resolve) => {
        const raw = net.connect({ host: '127.0.0.1', port: proxy.port, localAddress });
        raw.on('error', () => undefined);
        const socket = tls.connect({ socket: raw, servername: 'guarded.test', ca: cert.cert }, () => {
          resolve('secure');
          socket.end();
        });
        socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
      });
    assert.equal(await handshake('127.0.0.1'), 'secure');
    assert.notEqual(await handshake('127.0.0.2'), 'secure');
    assert.equal(proxy.node.counters()['secure']?.connectionsRefused, 1);
  });

  it('guards http listeners before any request is read', async () => {
    const seen: string[] = [];
    const backend = http.createServer((req, res) => {
      seen.push(req.url ?? '');
      res.end('ok');
    });
    await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
    closers.add(() => new Promise<void>((resolve) => backend.close(() => resolve())));
    const proxy = await startProxy(
      {
        listeners: [{ name: 'web', address: '127.0.0.1:0', deny: ['127.0.0.2'], maxConnectionsPerSource: 1 }],
        routes: [{ name: 'all', forward: { upstream: 'app' } }],
        upstreams: [{ name: 'app', targets: [{ address: `127.0.0.1:${(backend.address() as AddressInfo).port}` }] }],
      },
      closers,
    );
    const request = (localAddress: string): Promise<string> =>
      new Promise((resolve) => {
        const req = http.get({ host: '127.0.0.1', port: proxy.port, path: `/from/${localAddress}`, localAddress, agent: false }, (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve(`${res.statusCode} ${body}`));
        });
        req.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
      });
    assert.equal(await request('127.0.0.1'), '200 ok');
    assert.match(await request('127.0.0.2'), /^(ECONNRESET|EPIPE|ECONNREFUSED|error)$/);
    // One held keep-alive connection from 127.0.0.1: a second concurrent one is refused.
    const held = await connectTcp(proxy.port);
    const heldDone = collect(held);
    held.write('GET /held HTTP/1.1\r\nHost: x\r\n\r\n');
    await waitFor(() => seen.includes('/held'), 2000, 'the held request');
    assert.match(await request('127.0.0.1'), /^(ECONNRESET|EPIPE|error)$/);
    held.end();
    await heldDone;
    assert.deepEqual(seen, ['/from/127.0.0.1', '/held']);
    assert.equal(proxy.node.counters()['web']?.connectionsRefused, 2);
  });
});
