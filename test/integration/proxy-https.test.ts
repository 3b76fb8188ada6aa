// The ALB setup: HTTPS terminated by the proxy, OAuth paths to the backend by priority, the rest to the frontend.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import { promisify } from 'node:util';
import { Closers } from '../helpers/closers.js';
import { startProxy } from '../helpers/start-proxy.js';
import { makeCertificate, type TestCertificate } from '../helpers/test-certificates.js';

const run = promisify(execFile);

async function namedOrigin(name: string, closers: Closers): Promise<{ port: number; seen: { url: string; proto: string | undefined }[] }> {
  const seen: { url: string; proto: string | undefined }[] = [];
  const server = http.createServer((req, res) => {
    seen.push({ url: req.url ?? '', proto: req.headers['x-forwarded-proto'] as string | undefined });
    res.setHeader('x-origin', name);
    res.end(`${name}\n`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.add(() => new Promise((resolve) => server.close(resolve)));
  closers.add(() => server.closeAllConnections());
  return { port: (server.address() as AddressInfo).port, seen };
}

describe('HTTPS listener (the ALB setup)', () => {
  const closers = new Closers();
  let cert: TestCertificate;
  let other: TestCertificate;
  before(() => {
    cert = makeCertificate('app.example.test');
    other = makeCertificate('api.example.test');
  });
  after(() => {
    cert.remove();
    other.remove();
  });
  afterEach(() => closers.closeAll());

  async function albProxy(): Promise<{ port: number; backend: Awaited<ReturnType<typeof namedOrigin>>; frontend: Awaited<ReturnType<typeof namedOrigin>> }> {
    const backend = await namedOrigin('backend', closers);
    const frontend = await namedOrigin('frontend', closers);
    const proxy = await startProxy(
      {
        listeners: [
          {
            name: 'https',
            protocol: 'https',
            address: '127.0.0.1:0',
            tls: {
              certificates: [
                { cert: cert.certPath, key: cert.keyPath },
                { cert: other.certPath, key: other.keyPath, serverNames: ['api.example.test'] },
              ],
            },
          },
        ],
        routes: [
          { name: 'oauth', priority: 10, match: { path: ['/oauth2/authorization/**', '/login/oauth2/code/**'] }, forward: { upstream: 'backend' } },
          { name: 'default', priority: 1000, forward: { upstream: 'frontend' } },
        ],
        upstreams: [
          { name: 'backend', targets: [{ address: `127.0.0.1:${backend.port}` }] },
          { name: 'frontend', targets: [{ address: `127.0.0.1:${frontend.port}` }] },
        ],
      },
      closers,
    );
    return { port: proxy.port, backend, frontend };
  }

  function get(port: number, path: string, servername: string, ca: Buffer): Promise<{ status: number; body: string; peerCn: string }> {
    return new Promise((resolve, reject) => {
      const req = https.request({ host: '127.0.0.1', port, path, servername, ca, agent: false, headers: { host: servername } }, (res) => {
        let body = '';
        const peer = (res.socket as tls.TLSSocket).getPeerCertificate();
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, peerCn: String(peer.subject?.CN ?? '') }));
      });
      req.on('error', reject);
      req.end();
    });
  }

  it('routes OAuth paths to the backend by priority and everything else to the frontend, over TLS', async () => {
    const { port, backend, frontend } = await albProxy();
    const cases: [string, string][] = [
      ['/oauth2/authorization/google', 'backend'],
      ['/login/oauth2/code/google?code=abc&state=x', 'backend'],
      ['/', 'frontend'],
      ['/oauth2', 'frontend'],
      ['/login/oauth2/codeX', 'frontend'],
      ['/assets/app.js', 'frontend'],
    ];
    for (const [path, expected] of cases) {
      const res = await get(port, path, 'app.example.test', cert.cert);
      assert.equal(res.status, 200, path);
      assert.equal(res.body, `${expected}\n`, path);
    }
    assert.deepEqual(
      backend.seen.map((s) => s.url),
      ['/oauth2/authorization/google', '/login/oauth2/code/google?code=abc&state=x'],
    );
    assert.ok([...backend.seen, ...frontend.seen].every((s) => s.proto === 'https'), 'X-Forwarded-Proto says https');
  });

  it('chooses the certificate by SNI, with the first one as the default', async () => {
    const { port } = await albProxy();
    assert.equal((await get(port, '/', 'api.example.test', other.cert)).peerCn, 'api.example.test');
    assert.equal((await get(port, '/', 'app.example.test', cert.cert)).peerCn, 'app.example.test');
    assert.equal((await get(port, '/', 'unknown.example.test', cert.cert).catch(() => ({ peerCn: 'verify-failed' }))).peerCn, 'verify-failed', 'default cert does not name unknown.example.test');
  });

  it('serves curl over HTTPS', async () => {
    const { port } = await albProxy();
    const { stdout } = await run('curl', ['-s', '-i', '--max-time', '5', '--cacert', cert.certPath, '--resolve', `app.example.test:${port}:127.0.0.1`, `https://app.example.test:${port}/oauth2/authorization/github`]);
    assert.match(stdout, /^HTTP\/1\.1 200/);
    assert.match(stdout, /x-origin: backend/i);
  });

  it('refuses a config whose certificate file is missing, naming the path', async () => {
    await assert.rejects(
      startProxy(
        {
          listeners: [{ name: 'https', protocol: 'https', address: '127.0.0.1:0', tls: { certificates: [{ cert: '/nonexistent/cert.pem', key: '/nonexistent/key.pem' }] } }],
          routes: [{ name: 'r', respond: { status: 200 } }],
        },
        closers,
      ),
      (error: Error & { problems?: { path: string }[] }) => error.problems?.[0]?.path === 'listeners.0.tls.certificates',
    );
  });
});
