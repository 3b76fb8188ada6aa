// chocon's users: `Host: <name>.ccnproxy-https` reaches https://<name> over kept-alive TLS connections.
import assert from 'node:assert/strict';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { Closers } from '../helpers/closers.js';
import { httpRequest } from '../helpers/http-request.js';
import { startProxy } from '../helpers/start-proxy.js';
import { makeCertificate, type TestCertificate } from '../helpers/test-certificates.js';

interface TlsOrigin {
  port: number;
  /** TLS connections accepted, on either loopback address. */
  connections: () => number;
  hosts: string[];
}

/** An HTTPS origin on 127.0.0.1 and ::1 (the same port), since `localhost` may resolve to either. */
async function startTlsOrigin(cert: TestCertificate, closers: Closers): Promise<TlsOrigin> {
  let connections = 0;
  const hosts: string[] = [];
  const handler = (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse): void => {
    hosts.push(req.headers.host ?? '');
    res.setHeader('x-origin', 's3');
    res.end(`secure ${req.url}\n`);
  };
  const v4 = https.createServer({ cert: cert.cert, key: cert.key, keepAliveTimeout: 30_000 }, handler);
  v4.on('secureConnection', () => connections++);
  await new Promise<void>((resolve) => v4.listen(0, '127.0.0.1', resolve));
  const port = (v4.address() as AddressInfo).port;
  closers.add(() => new Promise((resolve) => v4.close(resolve)));
  closers.add(() => v4.closeAllConnections());
  const v6 = https.createServer({ cert: cert.cert, key: cert.key, keepAliveTimeout: 30_000 }, handler);
  v6.on('secureConnection', () => connections++);
  await new Promise<void>((resolve, reject) => {
    v6.once('error', reject);
    v6.listen(port, '::1', resolve);
  }).catch(() => undefined);
  closers.add(() => new Promise((resolve) => v6.close(() => resolve(undefined))));
  closers.add(() => v6.closeAllConnections());
  return { port, connections: () => connections, hosts };
}

describe('chocon-style dynamic upstreams', () => {
  const closers = new Closers();
  let cert: TestCertificate;
  before(() => {
    cert = makeCertificate('localhost');
  });
  after(() => cert.remove());
  afterEach(() => closers.closeAll());

  async function setup(): Promise<{ url: string; origin: TlsOrigin }> {
    const origin = await startTlsOrigin(cert, closers);
    const proxy = await startProxy(
      {
        routes: [
          {
            name: 'ccnproxy',
            match: { host: '*.ccnproxy-https' },
            forwardDynamic: { hostSuffix: '.ccnproxy-https', scheme: 'https', allow: ['localhost'], port: origin.port, tls: { ca: cert.certPath } },
          },
        ],
      },
      closers,
    );
    return { url: proxy.url, origin };
  }

  it('forwards to https://<host minus suffix> and reuses one TLS connection across requests', async () => {
    const { url, origin } = await setup();
    for (let i = 0; i < 5; i++) {
      const res = await httpRequest(`${url}/bucket/object-${i}`, { headers: { host: 'localhost.ccnproxy-https' } });
      assert.equal(res.status, 200);
      assert.equal(res.body, `secure /bucket/object-${i}\n`);
      assert.equal(res.headers['x-origin'], 's3');
    }
    assert.equal(origin.connections(), 1, 'five requests, one TLS handshake');
    assert.deepEqual(new Set(origin.hosts), new Set([`localhost:${origin.port}`]));
  });

  it('refuses hosts outside the allow-list without connecting anywhere', async () => {
    const { url, origin } = await setup();
    const res = await httpRequest(`${url}/`, { headers: { host: 'example.com.ccnproxy-https' } });
    assert.equal(res.status, 403);
    assert.equal(origin.connections(), 0);
  });

  it('verifies the upstream certificate: a target whose certificate does not match is a 502', async () => {
    const origin = await startTlsOrigin(cert, closers);
    const proxy = await startProxy(
      {
        routes: [
          {
            name: 'ccnproxy',
            forwardDynamic: { hostSuffix: '.ccnproxy-https', scheme: 'https', allow: ['localhost'], port: origin.port },
          },
        ],
      },
      closers,
    );
    // No `ca`: the self-signed certificate is not trusted by the system store.
    const res = await httpRequest(`${proxy.url}/`, { headers: { host: 'localhost.ccnproxy-https' } });
    assert.equal(res.status, 502);
  });
});
