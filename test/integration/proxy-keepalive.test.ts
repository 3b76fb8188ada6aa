// Keep-alive and pipelining: upstream connections are reused, pipelined requests are answered in order.
import assert from 'node:assert/strict';
import { Closers } from '../helpers/closers.js';
import { startHttpOrigin, type Echo, type HttpOrigin } from '../helpers/http-origin.js';
import { httpRequest } from '../helpers/http-request.js';
import { connectRaw, header } from '../helpers/raw-client.js';
import { startProxy, upstream, type StartedProxy } from '../helpers/start-proxy.js';

describe('proxy keep-alive (integration)', () => {
  const closers = new Closers();
  afterEach(() => closers.closeAll());

  async function setup(): Promise<{ origin: HttpOrigin; proxy: StartedProxy }> {
    const origin = await startHttpOrigin('o', closers);
    const proxy = await startProxy({ routes: [{ name: 'all', forward: { upstream: 'o' } }], upstreams: [upstream('o', [origin.address])] }, closers);
    return { origin, proxy };
  }

  it('carries 20 sequential requests of one client connection on one upstream connection', async () => {
    const { origin, proxy } = await setup();
    const conn = await connectRaw(proxy.port, closers);
    for (let i = 0; i < 20; i++) {
      await conn.write(`GET /seq/${i} HTTP/1.1\r\nHost: a.test\r\n\r\n`);
      const res = await conn.readResponse();
      assert.equal(res.status, 200);
      assert.equal(header(res, 'connection'), undefined, 'no Connection: close on a kept-alive exchange');
      assert.equal((JSON.parse(res.body.toString()) as Echo).url, `/seq/${i}`);
    }
    assert.equal(conn.isClosed, false);
    assert.equal(origin.requests, 20);
    assert.equal(origin.connections, 1);
  });

  it('reuses the pooled upstream connection across client connections', async () => {
    const { origin, proxy } = await setup();
    for (let i = 0; i < 5; i++) assert.equal((await httpRequest(`${proxy.url}/c/${i}`)).status, 200);
    assert.equal(origin.requests, 5);
    assert.equal(origin.connections, 1);
  });

  it('answers pipelined GETs written in one TCP write in order', async () => {
    const { origin, proxy } = await setup();
    const conn = await connectRaw(proxy.port, closers);
    await conn.write(['/p/1', '/p/2', '/p/3'].map((p) => `GET ${p} HTTP/1.1\r\nHost: a.test\r\n\r\n`).join(''));
    const urls: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await conn.readResponse();
      assert.equal(res.status, 200);
      urls.push((JSON.parse(res.body.toString()) as Echo).url);
    }
    assert.deepEqual(urls, ['/p/1', '/p/2', '/p/3']);
    assert.equal(origin.connections, 1);
  });

  it('answers pipelined requests in order with a Content-Length POST body in the middle', async () => {
    const { proxy } = await setup();
    const conn = await connectRaw(proxy.port, closers);
    await conn.write(
      'GET /m/1 HTTP/1.1\r\nHost: a.test\r\n\r\n' +
        'POST /m/2 HTTP/1.1\r\nHost: a.test\r\nContent-Length: 11\r\n\r\nhello world' +
        'GET /m/3 HTTP/1.1\r\nHost: a.test\r\n\r\n',
    );
    const echoes: Echo[] = [];
    for (let i = 0; i < 3; i++) echoes.push(JSON.parse((await conn.readResponse()).body.toString()) as Echo);
    assert.deepEqual(
      echoes.map((e) => [e.method, e.url, e.bodyBytes]),
      [
        ['GET', '/m/1', 0],
        ['POST', '/m/2', 11],
        ['GET', '/m/3', 0],
      ],
    );
  });

  it('answers pipelined requests in order with a chunked POST body in the middle', async () => {
    const { proxy } = await setup();
    const conn = await connectRaw(proxy.port, closers);
    await conn.write(
      'GET /c/1 HTTP/1.1\r\nHost: a.test\r\n\r\n' +
        'POST /c/2 HTTP/1.1\r\nHost: a.test\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n' +
        'GET /c/3 HTTP/1.1\r\nHost: a.test\r\n\r\n',
    );
    const echoes: Echo[] = [];
    for (let i = 0; i < 3; i++) echoes.push(JSON.parse((await conn.readResponse()).body.toString()) as Echo);
    assert.deepEqual(
      echoes.map((e) => [e.method, e.url, e.bodyBytes]),
      [
        ['GET', '/c/1', 0],
        ['POST', '/c/2', 11],
        ['GET', '/c/3', 0],
      ],
    );
  });

  it('carries several chunked request bodies in a row on one client connection', async () => {
    const { origin, proxy } = await setup();
    const conn = await connectRaw(proxy.port, closers);
    for (let i = 0; i < 3; i++) {
      await conn.write(`POST /chunked/${i} HTTP/1.1\r\nHost: a.test\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n`);
      const res = await conn.readResponse();
      assert.equal(res.status, 200, res.body.toString());
      const echo = JSON.parse(res.body.toString()) as Echo;
      assert.deepEqual([echo.url, echo.bodyBytes], [`/chunked/${i}`, 3]);
    }
    assert.equal(origin.connections, 1);
  });

  it('relays several chunked responses in a row on one client connection', async () => {
    const { origin, proxy } = await setup();
    origin.handler = (req, res) => {
      res.write(`part one of ${req.url ?? ''};`);
      res.end('part two');
      return true;
    };
    const conn = await connectRaw(proxy.port, closers);
    for (let i = 0; i < 3; i++) {
      await conn.write(`GET /r/${i} HTTP/1.1\r\nHost: a.test\r\n\r\n`);
      const res = await conn.readResponse();
      assert.equal(res.status, 200, res.body.toString());
      assert.equal(res.framing, 'chunked');
      assert.equal(res.body.toString(), `part one of /r/${i};part two`);
    }
    assert.equal(origin.connections, 1, 'the upstream connection is reused between chunked responses');
  });

  it('closes a Connection: close exchange cleanly after the whole response: small, large, or with a request pipelined behind it', async () => {
    const { origin, proxy } = await setup();
    const bigBytes = 4 * 1024 * 1024;
    origin.handler = (req, res) => {
      if (req.url !== '/big') return false;
      res.end(Buffer.alloc(bigBytes, 0x61));
      return true;
    };
    // Small: all of it leaves at once and nothing is left unread, so the proxy closes outright.
    const small = await connectRaw(proxy.port, closers);
    await small.write('GET /small HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n');
    const first = await small.readResponse();
    assert.equal((JSON.parse(first.body.toString()) as Echo).url, '/small');
    assert.equal(header(first, 'connection'), 'close');
    assert.equal(await small.waitClosed(), true);
    assert.equal(small.error, undefined, 'closed with a FIN, not reset');
    // Large: still queued when the exchange ends, so the close waits for it.
    const large = await connectRaw(proxy.port, closers);
    await large.write('GET /big HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n');
    const big = await large.readResponse({ timeoutMs: 10_000 });
    assert.equal(big.body.length, bigBytes);
    assert.equal(big.body.every((b) => b === 0x61), true);
    assert.equal(await large.waitClosed(), true);
    assert.equal(large.error, undefined);
    // Pipelined behind the last request: never answered, and never a reset that could cut the answer.
    const before = origin.requests;
    const piped = await connectRaw(proxy.port, closers);
    await piped.write('GET /last HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\nGET /after HTTP/1.1\r\nHost: a.test\r\n\r\n');
    const last = await piped.readResponse();
    assert.equal((JSON.parse(last.body.toString()) as Echo).url, '/last');
    assert.equal(await piped.waitClosed(), true);
    assert.equal(piped.error, undefined);
    assert.equal(piped.received.length, Buffer.byteLength(last.headText, 'latin1') + last.body.length, 'nothing after the last response');
    assert.equal(origin.requests, before + 1);
  });

  it('keeps an HTTP/1.0 client connection only when it asks for keep-alive', async () => {
    const { proxy } = await setup();
    const kept = await connectRaw(proxy.port, closers);
    await kept.write('GET /k/1 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n');
    const first = await kept.readResponse();
    assert.equal(first.version, 'HTTP/1.0');
    assert.equal(header(first, 'connection'), 'keep-alive');
    await kept.write('GET /k/2 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n');
    assert.equal((JSON.parse((await kept.readResponse()).body.toString()) as Echo).url, '/k/2');

    const closed = await connectRaw(proxy.port, closers);
    await closed.write('GET /k/3 HTTP/1.0\r\n\r\n');
    const res = await closed.readResponse();
    assert.equal(header(res, 'connection'), 'close');
    assert.equal(await closed.waitClosed(), true);
  });
});
