// tls listeners: TLS terminated with the listener's certificates, bytes relayed to plain TCP or TLS upstreams.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';
import { writeProxyHeaderV1 } from '@switchyard/actors';
import { Closers } from '../helpers/closers.js';
import { startTcpOrigin, startTlsOrigin, waitFor } from '../helpers/l4-origins.js';
import { startProxy } from '../helpers/start-proxy.js';
import { makeCertificate, type TestCertificate } from '../helpers/test-certificates.js';

interface TlsResult {
  bytes: Buffer;
  cn: string;
  hadEnd: boolean;
}

/** Connects over TLS, writes `payload`, half-closes, and collects everything until the close. */
function tlsExchange(port: number, servername: string, ca: Buffer, payload: Buffer | string): Promise<TlsResult> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let cn = '';
    let hadEnd = false;
    const socket = tls.connect({ host: '127.0.0.1', port, servername, ca }, () => {
      cn = String(socket.getPeerCertificate().subject?.CN ?? '');
      socket.end(payload);
    });
    // Half-open, so the reply after our close_notify still arrives.
    socket.allowHalfOpen = true;
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', () => {
      hadEnd = true;
      socket.end();
    });
    socket.on('error', reject);
    socket.on('close', () => resolve({ bytes: Buffer.concat(chunks), cn, hadEnd }));
  });
}

describe('tls listener', () => {
  const closers = new Closers();
  let proxyCert: TestCertificate;
  let apiCert: TestCertificate;
  let originCert: TestCertificate;
  before(() => {
    proxyCert = makeCertificate('proxy.test');
    apiCert = makeCertificate('api.proxy.test');
    originCert = makeCertificate('origin.test');
  });
  after(() => {
    proxyCert.remove();
    apiCert.remove();
    originCert.remove();
  });
  afterEach(() => closers.closeAll());

  function tlsListener() {
    return {
      name: 'tls',
      protocol: 'tls' as const,
      address: '127.0.0.1:0',
      tls: {
        certificates: [
          { cert: proxyCert.certPath, key: proxyCert.keyPath },
          { cert: apiCert.certPath, key: apiCert.keyPath, serverNames: ['api.proxy.test'] },
        ],
      },
    };
  }

  it('terminates TLS and relays the plain bytes to a TCP origin, both ways', async () => {
    const origin = await startTcpOrigin(closers);
    const proxy = await startProxy(
      {
        listeners: [tlsListener()],
        routes: [{ name: 'all', listeners: ['tls'], forward: { upstream: 'plain' } }],
        upstreams: [{ name: 'plain', targets: [{ address: origin.address }] }],
      },
      closers,
    );
    const payload = randomBytes(256 * 1024);
    const result = await tlsExchange(proxy.port, 'proxy.test', proxyCert.cert, payload);
    assert.equal(result.cn, 'proxy.test');
    assert.ok(result.hadEnd);
    assert.equal(createHash('sha256').update(result.bytes).digest('hex'), createHash('sha256').update(payload).digest('hex'));
    assert.deepEqual(origin.connections[0]?.bytes, payload, 'the origin receives the plain bytes');
  });

  it('chooses the certificate and the route by SNI', async () => {
    const web = await startTcpOrigin(closers, { onData: (conn, chunk) => conn.socket.write(`web:${chunk.toString()}`) });
    const api = await startTcpOrigin(closers, { onData: (conn, chunk) => conn.socket.write(`api:${chunk.toString()}`) });
    const proxy = await startProxy(
      {
        listeners: [tlsListener()],
        routes: [
          { name: 'api', priority: 1, listeners: ['tls'], match: { host: 'api.proxy.test' }, forward: { upstream: 'api' } },
          { name: 'web', priority: 2, listeners: ['tls'], forward: { upstream: 'web' } },
        ],
        upstreams: [
          { name: 'web', targets: [{ address: web.address }] },
          { name: 'api', targets: [{ address: api.address }] },
        ],
      },
      closers,
    );
    const viaApi = await tlsExchange(proxy.port, 'api.proxy.test', apiCert.cert, 'x');
    assert.deepEqual([viaApi.cn, viaApi.bytes.toString()], ['api.proxy.test', 'api:x']);
    const viaWeb = await tlsExchange(proxy.port, 'proxy.test', proxyCert.cert, 'y');
    assert.deepEqual([viaWeb.cn, viaWeb.bytes.toString()], ['proxy.test', 'web:y']);
  });

  it('speaks TLS to an upstream that has tls', async () => {
    const origin = await startTlsOrigin('O', originCert, closers);
    const proxy = await startProxy(
      {
        listeners: [tlsListener()],
        routes: [{ name: 'all', listeners: ['tls'], forward: { upstream: 'secure' } }],
        upstreams: [{ name: 'secure', targets: [{ address: origin.address }], tls: { servername: 'origin.test', ca: originCert.certPath } }],
      },
      closers,
    );
    const result = await tlsExchange(proxy.port, 'proxy.test', proxyCert.cert, 'over two TLS hops');
    assert.equal(result.bytes.toString(), 'O:over two TLS hops');
    assert.equal(origin.connections[0]?.bytes.toString(), 'over two TLS hops');
  });

  it('reads a PROXY header from a trusted source before the handshake, and routes on its address', async () => {
    const web = await startTcpOrigin(closers, { onData: (conn, chunk) => conn.socket.write(`web:${chunk.toString()}`) });
    const partner = await startTcpOrigin(closers, { onData: (conn, chunk) => conn.socket.write(`partner:${chunk.toString()}`) });
    const proxy = await startProxy(
      {
        listeners: [{ ...tlsListener(), proxyProtocol: { trustedSources: ['127.0.0.1/32'] } }],
        routes: [
          { name: 'partner', priority: 1, listeners: ['tls'], match: { sourceCidr: '192.0.2.0/24' }, forward: { upstream: 'partner' } },
          { name: 'web', priority: 2, listeners: ['tls'], forward: { upstream: 'web' } },
        ],
        upstreams: [
          { name: 'web', targets: [{ address: web.address }] },
          { name: 'partner', targets: [{ address: partner.address }] },
        ],
      },
      closers,
    );
    const viaBalancer = (source: string): Promise<string> =>
      new Promise((resolve, reject) => {
        const raw = net.connect(proxy.port, '127.0.0.1', () => {
          raw.write(writeProxyHeaderV1({ address: source, port: 1234 }, { address: '198.51.100.1', port: 443 }, 'tcp4'));
          const socket = tls.connect({ socket: raw, servername: 'proxy.test', ca: proxyCert.cert }, () => socket.write('hi'));
          socket.once('data', (data: Buffer) => {
            resolve(data.toString());
            socket.end();
          });
          socket.on('error', reject);
        });
        raw.on('error', reject);
      });
    assert.equal(await viaBalancer('192.0.2.44'), 'partner:hi');
    assert.equal(await viaBalancer('203.0.113.9'), 'web:hi');
  });

  it('closes a client whose handshake does not finish within the first-bytes time, and never connects upstream', async () => {
    const origin = await startTcpOrigin(closers);
    const proxy = await startProxy(
      {
        listeners: [tlsListener()],
        routes: [{ name: 'all', listeners: ['tls'], forward: { upstream: 'plain' } }],
        upstreams: [{ name: 'plain', targets: [{ address: origin.address }] }],
        server: { timeouts: { requestHead: '300ms' } },
      },
      closers,
    );
    const socket = net.connect(proxy.port, '127.0.0.1');
    socket.on('error', () => undefined);
    let isClosed = false;
    socket.on('close', () => {
      isClosed = true;
    });
    await waitFor(() => isClosed, 3000, 'the silent client to be closed');
    assert.equal(origin.connections.length, 0);
  });
});
