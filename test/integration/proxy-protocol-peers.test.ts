// PROXY protocol with the real peers that invented and speak it: HAProxy and nginx, both directions.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { join } from 'node:path';
import { RequestCompleted } from '@switchyard/core';
import { compileAccessLogFormat } from '@switchyard/actors';
import { startHaproxy } from '../bench/http/haproxy.js';
import { NGINX_STREAM_MODULE, httpCommon, startNginx } from '../bench/http/nginx.js';
import { freePort } from '../bench/http/free-port.js';
import { Closers } from '../helpers/closers.js';
import { startHttpOrigin } from '../helpers/http-origin.js';
import { startProxy } from '../helpers/start-proxy.js';

/** The test client connects from 127.0.0.2, so a carried address is told apart from the peer's 127.0.0.1. */
const CLIENT_IP = '127.0.0.2';

function getFrom(port: number, path = '/'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, localAddress: CLIENT_IP, agent: false, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
  });
}

async function waitFor<T>(read: () => T | undefined, withinMs: number): Promise<T> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const value = read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('not seen in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('PROXY protocol with HAProxy and nginx as real peers', () => {
  const closers = new Closers();
  afterEach(() => closers.closeAll());

  async function trustingProxy(): Promise<{ port: number; origin: Awaited<ReturnType<typeof startHttpOrigin>>; logLines: string[] }> {
    const origin = await startHttpOrigin('origin', closers);
    const proxy = await startProxy(
      {
        listeners: [{ name: 'web', address: '127.0.0.1:0', proxyProtocol: { trustedSources: ['127.0.0.1/32'] } }],
        routes: [{ name: 'all', forward: { upstream: 'app' } }],
        upstreams: [{ name: 'app', targets: [{ address: origin.address }] }],
      },
      closers,
    );
    const format = compileAccessLogFormat('combined');
    const logLines: string[] = [];
    proxy.node.bus.on(RequestCompleted).subscribe((event) => logLines.push(format(event)));
    return { port: proxy.port, origin, logLines };
  }

  for (const [directive, version] of [
    ['send-proxy', 'v1'],
    ['send-proxy-v2', 'v2'],
  ] as const) {
    it(`accepts HAProxy's ${directive} (${version}): the client address reaches the origin's X-Forwarded-For and the access log`, async () => {
      const { port, origin, logLines } = await trustingProxy();
      const front = await freePort();
      const haproxy = await startHaproxy({
        name: `haproxy-${version}`,
        port: front,
        sections: `defaults
    mode tcp
    timeout connect 5s
    timeout client 30s
    timeout server 30s

frontend in
    bind 127.0.0.1:${front}
    default_backend switchyard

backend switchyard
    server s1 127.0.0.1:${port} ${directive}`,
      });
      closers.add(() => haproxy.stop());
      const res = await getFrom(front, '/via-haproxy');
      assert.equal(res.status, 200);
      const seen = origin.seen.find((e) => e.url === '/via-haproxy');
      assert.equal(seen?.headers['x-forwarded-for'], CLIENT_IP);
      const line = await waitFor(() => logLines.find((l) => l.includes('/via-haproxy')), 2000);
      assert.ok(line.startsWith(`${CLIENT_IP} `), line);
    });
  }

  it("accepts nginx stream's proxy_protocol on: the client address reaches X-Forwarded-For and the access log", async () => {
    const { port, origin, logLines } = await trustingProxy();
    const front = await freePort();
    const nginx = await startNginx({
      name: 'nginx-stream',
      port: front,
      modules: [NGINX_STREAM_MODULE],
      blocks: () => `stream {
    server {
        listen 127.0.0.1:${front};
        proxy_pass 127.0.0.1:${port};
        proxy_protocol on;
    }
}`,
    });
    closers.add(() => nginx.stop());
    const res = await getFrom(front, '/via-nginx');
    assert.equal(res.status, 200);
    assert.equal(origin.seen.find((e) => e.url === '/via-nginx')?.headers['x-forwarded-for'], CLIENT_IP);
    const line = await waitFor(() => logLines.find((l) => l.includes('/via-nginx')), 2000);
    assert.ok(line.startsWith(`${CLIENT_IP} `), line);
  });

  it('refuses a PROXY header from an untrusted source, and a trusted source without one; the origin sees nothing', async () => {
    const origin = await startHttpOrigin('origin', closers);
    const proxy = await startProxy(
      {
        listeners: [
          { name: 'strict', address: '127.0.0.1:0', proxyProtocol: { trustedSources: ['10.0.0.0/8'] } },
          { name: 'trusting', address: '127.0.0.1:0', proxyProtocol: { trustedSources: ['127.0.0.1/32'] } },
        ],
        routes: [{ name: 'all', forward: { upstream: 'app' } }],
        upstreams: [{ name: 'app', targets: [{ address: origin.address }] }],
      },
      closers,
    );
    const exchange = (port: number, bytes: string): Promise<string> =>
      new Promise((resolve) => {
        const socket = net.connect({ host: '127.0.0.1', port });
        let got = '';
        socket.on('data', (c) => (got += c.toString('latin1')));
        socket.on('close', () => resolve(got));
        socket.on('error', () => undefined);
        socket.end(bytes);
        setTimeout(() => socket.destroy(), 3000);
      });
    const request = 'GET /x HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n';
    assert.equal(await exchange(proxy.ports.strict as number, `PROXY TCP4 203.0.113.7 127.0.0.1 5000 80\r\n${request}`), '', 'untrusted header: closed');
    assert.equal(await exchange(proxy.ports.trusting as number, request), '', 'trusted peer without a header: closed');
    assert.match(await exchange(proxy.ports.strict as number, request), /^HTTP\/1\.1 200/, 'plain request from an untrusted peer still served');
    assert.match(await exchange(proxy.ports.trusting as number, `PROXY TCP4 203.0.113.7 127.0.0.1 5000 80\r\n${request}`), /^HTTP\/1\.1 200/);
    assert.equal(origin.seen.length, 2);
    assert.deepEqual(
      origin.seen.map((e) => e.headers['x-forwarded-for']),
      ['127.0.0.1', '203.0.113.7'],
    );
  });

  it('sends v2 into an HAProxy accept-proxy frontend that sees the client address', async () => {
    const origin = await startHttpOrigin('behind-haproxy', closers);
    const front = await freePort();
    const haproxy = await startHaproxy({
      name: 'haproxy-accept',
      port: front,
      sections: `defaults
    mode http
    timeout connect 5s
    timeout client 30s
    timeout server 30s

frontend in
    bind 127.0.0.1:${front} accept-proxy
    http-request set-header X-Haproxy-Src %[src]
    default_backend origin

backend origin
    server o1 ${origin.address}`,
    });
    closers.add(() => haproxy.stop());
    const proxy = await startProxy(
      {
        routes: [{ name: 'all', forward: { upstream: 'haproxy' } }],
        upstreams: [{ name: 'haproxy', targets: [{ address: `127.0.0.1:${front}` }], proxyProtocol: 'v2' }],
      },
      closers,
    );
    const first = await getFrom(proxy.port, '/one');
    const second = await getFrom(proxy.port, '/two');
    assert.equal(first.status, 200);
    assert.equal(second.status, 200);
    assert.deepEqual(
      origin.seen.map((e) => e.headers['x-haproxy-src']),
      [CLIENT_IP, CLIENT_IP],
      'HAProxy parsed our header and saw the client, not the proxy',
    );
  });

  it('sends v1 into an nginx `listen … proxy_protocol` server that logs $proxy_protocol_addr', async () => {
    const front = await freePort();
    let logPath = '';
    const nginx = await startNginx({
      name: 'nginx-accept',
      port: front,
      blocks: (dir) => {
        logPath = join(dir, 'pp.log');
        return `http {
    ${httpCommon(dir)}
    log_format pp '$proxy_protocol_addr $request_uri';
    server {
        listen 127.0.0.1:${front} proxy_protocol;
        access_log ${logPath} pp;
        location / { return 200 "ok\\n"; }
    }
}`;
      },
    });
    closers.add(() => nginx.stop());
    const proxy = await startProxy(
      {
        routes: [{ name: 'all', forward: { upstream: 'nginx' } }],
        upstreams: [{ name: 'nginx', targets: [{ address: `127.0.0.1:${front}` }], proxyProtocol: 'v1' }],
      },
      closers,
    );
    assert.equal((await getFrom(proxy.port, '/logged')).status, 200);
    const line = await waitFor(() => {
      try {
        return readFileSync(logPath, 'utf8').split('\n').find((l) => l.includes('/logged'));
      } catch {
        return undefined;
      }
    }, 3000);
    assert.equal(line, `${CLIENT_IP} /logged`);
  });
});
