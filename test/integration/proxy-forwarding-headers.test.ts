// The fields the proxy writes upstream and back: forwarding fields, Via, request ids, loops, hop-by-hop, Host, rewrites.
import assert from 'node:assert/strict';
import { Closers } from '../helpers/closers.js';
import { freePort } from '../helpers/free-port.js';
import { startHttpOrigin, type Echo, type HttpOrigin } from '../helpers/http-origin.js';
import { httpRequest } from '../helpers/http-request.js';
import { connectRaw, header, rawExchange } from '../helpers/raw-client.js';
import { NEVER, startRecordingOrigin } from '../helpers/recording-origin.js';
import { startProxy, upstream, type ProxyConfigInput, type StartedProxy } from '../helpers/start-proxy.js';

/** Every value of a field in the origin's raw view, case-insensitive name. */
function fieldValues(echo: Echo, name: string): string[] {
  const out: string[] = [];
  for (let i = 0; i + 1 < echo.rawHeaders.length; i += 2) {
    if ((echo.rawHeaders[i] as string).toLowerCase() === name.toLowerCase()) out.push(echo.rawHeaders[i + 1] as string);
  }
  return out;
}

function fieldNames(echo: Echo): string[] {
  return echo.rawHeaders.filter((_, i) => i % 2 === 0).map((n) => n.toLowerCase());
}

describe('proxy forwarding headers (integration)', () => {
  const closers = new Closers();
  afterEach(() => closers.closeAll());

  async function proxyTo(origin: HttpOrigin, extra: Partial<ProxyConfigInput> = {}, route: Record<string, unknown> = {}): Promise<StartedProxy> {
    return startProxy(
      {
        routes: [{ name: 'all', forward: { upstream: 'origin' }, ...route }],
        upstreams: [upstream('origin', [origin.address])],
        ...extra,
      },
      closers,
    );
  }

  async function echoOf(proxy: StartedProxy, path: string, headers: Record<string, string> = {}): Promise<Echo> {
    const res = await httpRequest(`${proxy.url}${path}`, { headers });
    assert.equal(res.status, 200, res.body);
    return JSON.parse(res.body) as Echo;
  }

  it('replaces an untrusted client X-Forwarded-For, -Proto and -Host with what it saw itself', async () => {
    const origin = await startHttpOrigin('o', closers);
    const proxy = await proxyTo(origin);
    const echo = await echoOf(proxy, '/', {
      host: 'app.test:8080',
      'x-forwarded-for': '1.2.3.4',
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'evil.test',
    });
    assert.deepEqual(fieldValues(echo, 'x-forwarded-for'), ['127.0.0.1']);
    assert.deepEqual(fieldValues(echo, 'x-forwarded-proto'), ['http']);
    assert.deepEqual(fieldValues(echo, 'x-forwarded-host'), ['app.test:8080']);
  });

  it('keeps and extends the chain of a trusted proxy peer', async () => {
    const origin = await startHttpOrigin('o', closers);
    const proxy = await proxyTo(origin, { server: { trustedProxies: ['127.0.0.1/32'], forwarded: { xRealIp: true, forwarded: true } } });
    const echo = await echoOf(proxy, '/', {
      host: 'app.test',
      'x-forwarded-for': '1.2.3.4',
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'www.example.com',
      forwarded: 'for=1.2.3.4;proto=https',
    });
    assert.deepEqual(fieldValues(echo, 'x-forwarded-for'), ['1.2.3.4, 127.0.0.1']);
    assert.deepEqual(fieldValues(echo, 'x-forwarded-proto'), ['https']);
    assert.deepEqual(fieldValues(echo, 'x-forwarded-host'), ['www.example.com']);
    assert.deepEqual(fieldValues(echo, 'x-real-ip'), ['1.2.3.4']);
    assert.deepEqual(fieldValues(echo, 'forwarded'), ['for=1.2.3.4;proto=https, for=127.0.0.1;proto=http;host=app.test']);
  });

  it('writes X-Real-IP and RFC 7239 Forwarded when enabled, dropping an untrusted client copy', async () => {
    const origin = await startHttpOrigin('o', closers);
    const proxy = await proxyTo(origin, { server: { forwarded: { xRealIp: true, forwarded: true } } });
    const echo = await echoOf(proxy, '/', { host: 'app.test:8080', 'x-real-ip': '6.6.6.6', forwarded: 'for=6.6.6.6' });
    assert.deepEqual(fieldValues(echo, 'x-real-ip'), ['127.0.0.1']);
    assert.deepEqual(fieldValues(echo, 'forwarded'), ['for=127.0.0.1;proto=http;host="app.test:8080"']);
  });

  it('sends none of them when disabled', async () => {
    const origin = await startHttpOrigin('o', closers);
    const proxy = await proxyTo(origin, { server: { forwarded: { xForwardedFor: false, xForwardedProto: false, xForwardedHost: false, via: false } } });
    const echo = await echoOf(proxy, '/');
    for (const name of ['x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'x-real-ip', 'forwarded', 'via']) {
      assert.deepEqual(fieldValues(echo, name), [], name);
    }
  });

  it('adds Via on the request and on the response, after any existing entries', async () => {
    const origin = await startHttpOrigin('o', closers, (_req, res) => {
      res.setHeader('via', '1.1 origin-cache');
      res.end('x');
      return true;
    });
    const proxy = await proxyTo(origin);
    const res = await httpRequest(`${proxy.url}/`, { headers: { via: '1.0 corp-proxy' } });
    assert.equal(res.headers['via'], '1.1 origin-cache, 1.1 switchyard');
    assert.deepEqual(fieldValues(origin.seen[0] as Echo, 'via'), ['1.0 corp-proxy, 1.1 switchyard']);

    const plain = await startHttpOrigin('p', closers);
    const proxy2 = await proxyTo(plain);
    const res2 = await httpRequest(`${proxy2.url}/`);
    assert.equal(res2.headers['via'], '1.1 switchyard');
    assert.deepEqual(fieldValues(JSON.parse(res2.body) as Echo, 'via'), ['1.1 switchyard']);
  });

  it('generates a request id when absent (origin and response agree) and propagates one that is present', async () => {
    const origin = await startHttpOrigin('o', closers);
    const proxy = await proxyTo(origin);
    const fresh = await httpRequest(`${proxy.url}/`);
    const freshId = fresh.headers['x-request-id'];
    assert.ok(typeof freshId === 'string' && freshId.length > 0);
    assert.deepEqual(fieldValues(JSON.parse(fresh.body) as Echo, 'x-request-id'), [freshId]);
    const other = await httpRequest(`${proxy.url}/`);
    assert.notEqual(other.headers['x-request-id'], freshId, 'each request gets its own id');

    const given = await httpRequest(`${proxy.url}/`, { headers: { 'x-request-id': 'abc-123' } });
    assert.equal(given.headers['x-request-id'], 'abc-123');
    assert.deepEqual(fieldValues(JSON.parse(given.body) as Echo, 'x-request-id'), ['abc-123']);
  });

  it('uses the configured request id header name', async () => {
    const origin = await startHttpOrigin('o', closers);
    const proxy = await proxyTo(origin, { server: { requestIdHeader: 'X-Trace-Id' } });
    const res = await httpRequest(`${proxy.url}/`);
    const id = res.headers['x-trace-id'];
    assert.ok(typeof id === 'string' && id.length > 0);
    assert.equal(res.headers['x-request-id'], undefined);
    const echo = JSON.parse(res.body) as Echo;
    assert.deepEqual(fieldValues(echo, 'x-trace-id'), [id]);
    assert.deepEqual(fieldValues(echo, 'x-request-id'), []);
    const kept = await httpRequest(`${proxy.url}/`, { headers: { 'x-trace-id': 'trace-7' } });
    assert.equal(kept.headers['x-trace-id'], 'trace-7');
  });

  it('answers 508 to a request that already passed maxHops times, and the origin receives nothing', async () => {
    const origin = await startRecordingOrigin(NEVER, closers);
    const proxy = await startProxy(
      { server: { maxHops: 3 }, routes: [{ name: 'all', forward: { upstream: 'o' } }], upstreams: [upstream('o', [origin.address])] },
      closers,
    );
    const loop = await rawExchange(
      proxy.port,
      'GET / HTTP/1.1\r\nHost: a.test\r\nVia: 1.1 switchyard, 1.1 switchyard\r\nVia: 1.1 switchyard\r\n\r\n',
      closers,
    );
    assert.equal(loop.status, 508, loop.text);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(origin.totalBytes, 0);
    assert.equal(origin.connections.length, 0);
  });

  it('stops a proxy chained to itself through two listeners with 508', async () => {
    const [portA, portB] = [await freePort(), await freePort()];
    const proxy = await startProxy(
      {
        server: { maxHops: 4 },
        listeners: [
          { name: 'a', address: `127.0.0.1:${portA}` },
          { name: 'b', address: `127.0.0.1:${portB}` },
        ],
        routes: [
          { name: 'a-to-b', listeners: ['a'], forward: { upstream: 'to-b' } },
          { name: 'b-to-a', listeners: ['b'], forward: { upstream: 'to-a' } },
        ],
        upstreams: [upstream('to-b', [`127.0.0.1:${portB}`]), upstream('to-a', [`127.0.0.1:${portA}`])],
      },
      closers,
    );
    const res = await httpRequest(`http://127.0.0.1:${proxy.ports['a']}/`, { timeoutMs: 5000 });
    assert.equal(res.status, 508);
    // The 508 travels back through the four hops; each adds its Via to the response.
    assert.equal(String(res.headers['via']).split(',').length, 4, String(res.headers['via']));
  });

  it('removes hop-by-hop fields and the fields named in Connection', async () => {
    const origin = await startHttpOrigin('o', closers);
    const proxy = await proxyTo(origin);
    const conn = await connectRaw(proxy.port, closers);
    await conn.write(
      'GET /hop HTTP/1.1\r\nHost: a.test\r\nConnection: close, x-secret\r\nX-Secret: 1\r\nKeep-Alive: timeout=5\r\n' +
        'TE: trailers\r\nUpgrade: websocket\r\nProxy-Connection: keep-alive\r\nTrailer: x-t\r\nX-Kept: yes\r\n\r\n',
    );
    const res = await conn.readResponse();
    assert.equal(res.status, 200);
    const echo = JSON.parse(res.body.toString()) as Echo;
    const names = fieldNames(echo);
    for (const gone of ['x-secret', 'keep-alive', 'te', 'upgrade', 'proxy-connection', 'trailer']) assert.ok(!names.includes(gone), `${gone} reached the origin: ${names.join(',')}`);
    assert.deepEqual(fieldValues(echo, 'x-kept'), ['yes']);
    assert.equal(header(res, 'connection'), 'close', 'the client asked to close');
    assert.equal(await conn.waitClosed(), true);
  });

  it('never lets a Connection option strip Content-Length, Host or the forwarding fields', async () => {
    const origin = await startHttpOrigin('o', closers);
    const proxy = await proxyTo(origin);
    const conn = await connectRaw(proxy.port, closers);
    await conn.write(
      'POST /p HTTP/1.1\r\nHost: a.test\r\nConnection: content-length, host, x-forwarded-for, via, x-request-id\r\nContent-Length: 5\r\n\r\nhello',
    );
    const res = await conn.readResponse();
    assert.equal(res.status, 200);
    const echo = JSON.parse(res.body.toString()) as Echo;
    assert.deepEqual(fieldValues(echo, 'content-length'), ['5']);
    assert.equal(echo.bodyBytes, 5);
    assert.deepEqual(fieldValues(echo, 'host'), [origin.address]);
    assert.deepEqual(fieldValues(echo, 'x-forwarded-for'), ['127.0.0.1']);
    assert.deepEqual(fieldValues(echo, 'via'), ['1.1 switchyard']);
    assert.equal(fieldValues(echo, 'x-request-id').length, 1);
  });

  it("sends the target's Host unless preserveHost", async () => {
    const origin = await startHttpOrigin('o', closers);
    const proxy = await startProxy(
      {
        routes: [
          { name: 'keep', match: { pathPrefix: '/keep' }, preserveHost: true, forward: { upstream: 'o' } },
          { name: 'target', forward: { upstream: 'o' } },
        ],
        upstreams: [upstream('o', [origin.address])],
      },
      closers,
    );
    assert.deepEqual(fieldValues(await echoOf(proxy, '/x', { host: 'www.example.com' }), 'host'), [origin.address]);
    assert.deepEqual(fieldValues(await echoOf(proxy, '/keep', { host: 'www.example.com:8443' }), 'host'), ['www.example.com:8443']);
  });

  it('strips and replaces a path prefix, keeping the query', async () => {
    const origin = await startHttpOrigin('o', closers);
    const proxy = await startProxy(
      {
        routes: [
          { name: 'v2', match: { pathPrefix: '/api/' }, stripPrefix: '/api', replacePrefix: '/v2', forward: { upstream: 'o' } },
          { name: 'strip', match: { pathPrefix: '/s/' }, stripPrefix: '/s', forward: { upstream: 'o' } },
        ],
        upstreams: [upstream('o', [origin.address])],
      },
      closers,
    );
    assert.equal((await echoOf(proxy, '/api/users?id=7')).url, '/v2/users?id=7');
    assert.equal((await echoOf(proxy, '/s/a/b')).url, '/a/b');
  });

  it('rewrites Set-Cookie Domain and Path when the route asks', async () => {
    const origin = await startHttpOrigin('o', closers, (_req, res) => {
      res.setHeader('set-cookie', ['sid=1; Domain=backend.internal; Path=/v2; HttpOnly', 'theme=dark; path=/v2/ui; Max-Age=60']);
      res.end('ok');
      return true;
    });
    const proxy = await proxyTo(origin, {}, { rewriteCookie: { domain: 'example.com', path: '/' } });
    const res = await httpRequest(`${proxy.url}/`);
    assert.deepEqual(res.headers['set-cookie'], ['sid=1; Domain=example.com; Path=/; HttpOnly', 'theme=dark; path=/; Max-Age=60']);

    const proxy2 = await proxyTo(origin, {}, { rewriteCookie: { domain: '' } });
    const res2 = await httpRequest(`${proxy2.url}/`);
    assert.deepEqual(res2.headers['set-cookie'], ['sid=1; Path=/v2; HttpOnly', 'theme=dark; path=/v2/ui; Max-Age=60']);
  });
});
