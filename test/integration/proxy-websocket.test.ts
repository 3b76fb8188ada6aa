// WebSocket through the proxy: upgrades routed like requests, tunnelled only after a 101, closed cleanly.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { Closers } from '../helpers/closers.js';
import { rawExchange } from '../helpers/raw-client.js';
import { startProxy } from '../helpers/start-proxy.js';

interface WsOrigin {
  port: number;
  upgradeHeaders: http.IncomingHttpHeaders[];
  closes: number;
  plainRequests: http.IncomingHttpHeaders[];
}

/** An echo WebSocket origin that refuses upgrades to /forbidden with a plain 403. */
async function startWsOrigin(closers: Closers): Promise<WsOrigin> {
  const origin: WsOrigin = { port: 0, upgradeHeaders: [], closes: 0, plainRequests: [] };
  const server = http.createServer((req, res) => {
    origin.plainRequests.push(req.headers);
    res.end('plain\n');
  });
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    origin.upgradeHeaders.push(req.headers);
    if (req.url === '/forbidden') {
      socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 4\r\nConnection: close\r\n\r\nnope');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on('message', (data, isBinary) => ws.send(isBinary ? data : `echo:${data.toString()}`, { binary: isBinary }));
      ws.on('close', () => origin.closes++);
      if (req.url === '/hangup') setTimeout(() => ws.close(4000, 'origin says bye'), 20);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin.port = (server.address() as AddressInfo).port;
  closers.add(() => new Promise((resolve) => server.close(resolve)));
  closers.add(() => {
    for (const client of wss.clients) client.terminate();
    server.closeAllConnections();
  });
  return origin;
}

function open(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`unexpected response ${res.statusCode}`)));
  });
}

function nextMessage(ws: WebSocket): Promise<string> {
  return new Promise((resolve) => ws.once('message', (data) => resolve(data.toString())));
}

function closed(ws: WebSocket): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
}

async function waitFor(check: () => boolean, withinMs: number): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('WebSocket proxying', () => {
  const closers = new Closers();
  afterEach(() => closers.closeAll());

  async function setup(tunnelIdle?: string): Promise<{ url: string; origin: WsOrigin; port: number }> {
    const origin = await startWsOrigin(closers);
    const proxy = await startProxy(
      {
        routes: [{ name: 'cable', match: { pathPrefix: '/' }, forward: { upstream: 'app' } }],
        upstreams: [{ name: 'app', targets: [{ address: `127.0.0.1:${origin.port}` }] }],
        ...(tunnelIdle === undefined ? {} : { server: { timeouts: { tunnelIdle } } }),
      },
      closers,
    );
    return { url: `ws://127.0.0.1:${proxy.port}`, origin, port: proxy.port };
  }

  it('tunnels messages both ways after the 101, with the upgrade headers and X-Forwarded-For passed', async () => {
    const { url, origin } = await setup();
    const ws = await open(`${url}/cable`);
    ws.send('hello');
    assert.equal(await nextMessage(ws), 'echo:hello');
    ws.send(Buffer.from([1, 2, 3]), { binary: true });
    assert.equal((await nextMessage(ws)).length, 3);
    const headers = origin.upgradeHeaders[0];
    assert.equal(headers?.upgrade?.toLowerCase(), 'websocket');
    assert.match(String(headers?.connection), /upgrade/i);
    assert.ok(headers?.['sec-websocket-key'], 'end-to-end WebSocket fields pass');
    assert.equal(headers?.['x-forwarded-for'], '127.0.0.1');
    const done = closed(ws);
    ws.close(1000, 'client done');
    assert.equal((await done).code, 1000);
    await waitFor(() => origin.closes === 1, 2000);
  });

  it('propagates a close from the origin to the client', async () => {
    const { url } = await setup();
    const ws = await open(`${url}/hangup`);
    const result = await closed(ws);
    assert.equal(result.code, 4000);
    assert.equal(result.reason, 'origin says bye');
  });

  it('answers a non-101 reply to an upgrade as a normal response', async () => {
    const { url } = await setup();
    await assert.rejects(open(`${url}/forbidden`), /unexpected response 403/);
  });

  it('keeps unknown upgrade tokens (h2c) as plain HTTP: the origin sees no Upgrade', async () => {
    const { port, origin } = await setup();
    const response = await rawExchange(port, 'GET /plain HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings, close\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n', closers);
    assert.equal(response.status, 200);
    assert.equal(origin.upgradeHeaders.length, 0);
    assert.equal(origin.plainRequests[0]?.upgrade, undefined);
    assert.equal(origin.plainRequests[0]?.['http2-settings'], undefined, 'a field named in Connection is removed');
  });

  it('closes a tunnel that stays silent for tunnelIdle, and keeps a busy one open', async () => {
    const { url } = await setup('400ms');
    const busy = await open(`${url}/busy`);
    const quiet = await open(`${url}/quiet`);
    const quietClosed = closed(quiet);
    // Keep `busy` talking for longer than the idle time.
    for (let i = 0; i < 8; i++) {
      busy.send(`ping ${i}`);
      assert.equal(await nextMessage(busy), `echo:ping ${i}`);
      await new Promise((r) => setTimeout(r, 150));
    }
    await quietClosed;
    assert.equal(busy.readyState, WebSocket.OPEN);
    busy.close();
  });

  it('leaves no descriptor behind after 1,000 WebSocket connections opened and closed', async function () {
    this.timeout(60_000);
    const { url } = await setup();
    // Warm up so lazily opened descriptors (timers, pipes) are counted in the baseline.
    const warm = await open(`${url}/warm`);
    warm.close();
    await closed(warm);
    await new Promise((r) => setTimeout(r, 200));
    const before = readdirSync('/proc/self/fd').length;
    for (let batch = 0; batch < 20; batch++) {
      const sockets = await Promise.all(Array.from({ length: 50 }, (_, i) => open(`${url}/n${batch}-${i}`)));
      await Promise.all(
        sockets.map(async (ws, i) => {
          ws.send(`m${i}`);
          await nextMessage(ws);
          const done = closed(ws);
          ws.close();
          await done;
        }),
      );
    }
    await waitFor(() => readdirSync('/proc/self/fd').length <= before + 2, 5000).catch(() => undefined);
    const after = readdirSync('/proc/self/fd').length;
    assert.ok(after <= before + 2, `descriptors: ${before} before, ${after} after 1,000 connections`);
  });
});
